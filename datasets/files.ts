/** Finding the files of a dataset: recursive, sorted listings (deterministic on every platform) and split files. */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { systemReason } from './errors.js';

/** `path` joined to `root` unless it is absolute (mmseg's data_root + data_prefix / ann_file). */
export function underRoot(root: string, path: string): string {
  return isAbsolute(path) ? path : join(root, path);
}

function isDirectory(dir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  return entry.isSymbolicLink() && statSync(join(dir, entry.name), { throwIfNoEntry: false })?.isDirectory() === true;
}

/**
 * Paths relative to `dir` ('/'-separated) of the files below it whose names end with `suffix`, sorted by code
 * unit (as Python's sorted). Symbolic links to folders are followed. A missing folder is an error naming it.
 */
export function listFiles(dir: string, suffix: string, what = 'folder'): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    const here = relative === '' ? dir : join(dir, relative);
    for (const entry of readdirSync(here, { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (isDirectory(here, entry)) walk(path);
      else if (entry.name.endsWith(suffix)) found.push(path);
    }
  };
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) throw new Error(`${what} ${dir} not found`);
  walk('');
  return found.sort();
}

/** The non-blank lines of a text file (a split file), trimmed. A missing file is an error naming it. */
export function readLines(file: string, what = 'ann_file'): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${what} ${file}: ${systemReason(err)}`);
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
