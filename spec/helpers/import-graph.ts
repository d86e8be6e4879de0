/** The import graph of compiled ES modules, read from the files in dist (what a bundler would pull in). */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

/** `import ... from 'x'`, `export ... from 'x'`, `import 'x'` and `import('x')` specifiers of compiled JS. */
const SPECIFIER = /(?:\bimport\s*(?:[\w*{}\s,$]+\s*from\s*)?|\bexport\s*[\w*{}\s,$]+\s*from\s*|\bimport\s*\(\s*)(['"])([^'"]+)\1/g;

export interface ImportGraph {
  /** Every module file reached through relative imports, relative to `root`, entry first. */
  files: string[];
  /** Each bare (package or built-in) specifier, with the first file that imports it. */
  packages: Map<string, string>;
}

/** Follow the relative imports of `entry` (a .js file) transitively; `root` only shortens the reported paths. */
export function importGraph(entry: string, root: string): ImportGraph {
  const files: string[] = [];
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(relative(root, file));
    for (const [, , specifier] of withoutComments(readFileSync(file, 'utf8')).matchAll(SPECIFIER)) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else if (!packages.has(specifier)) packages.set(specifier, relative(root, file));
    }
  }
  return { files, packages };
}

/** The code without block comments and whole-line `//` comments, whose examples (`import ... from 'x'`) are not imports. */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}
