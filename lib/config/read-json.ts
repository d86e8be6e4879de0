/** Reading a JSON file, with errors that name the file (and line:column for syntax errors). */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { ConfigError } from './errors.js';
import type { Json } from './json.js';
import { findJsonSyntaxError, lineColumn } from './json-syntax.js';

/** `file` relative to the working directory when it lies below it, else absolute: how errors name files. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    throw ConfigError.at(displayPath(file), code === 'ENOENT' ? 'file not found' : `cannot read: ${message}`);
  }
}

/** Parse `text` (the contents of `file`) as JSON; a syntax error names `file:line:column` and the cause. */
export function parseJson(text: string, file: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    const located = findJsonSyntaxError(text);
    if (located === undefined) throw ConfigError.at(displayPath(file), `invalid JSON: ${(err as Error).message}`);
    const { line, column } = lineColumn(text, located.offset);
    throw ConfigError.at(`${displayPath(file)}:${line}:${column}`, `invalid JSON: ${located.reason}`);
  }
}

/** Read and parse a JSON file. */
export function readJsonFile(file: string): Json {
  return parseJson(readText(file), file);
}
