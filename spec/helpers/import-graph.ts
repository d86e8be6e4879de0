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
  /** Each file but the entry, with the first file that imports it (the way in, for `importChain`). */
  importers: Map<string, string>;
}

/** `file`, the file that imports it, and so on up to the entry: how `file` is reached. */
export function importChain(graph: ImportGraph, file: string): string[] {
  const chain = [file];
  for (let f = graph.importers.get(file); f !== undefined; f = graph.importers.get(f)) chain.push(f);
  return chain;
}

/** Follow the relative imports of `entry` (a .js file) transitively; `root` only shortens the reported paths. */
export function importGraph(entry: string, root: string): ImportGraph {
  const files: string[] = [];
  const packages = new Map<string, string>();
  const importers = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(relative(root, file));
    for (const [, , specifier] of withoutComments(readFileSync(file, 'utf8')).matchAll(SPECIFIER)) {
      if (specifier.startsWith('.')) {
        const imported = resolve(dirname(file), specifier);
        if (!importers.has(relative(root, imported))) importers.set(relative(root, imported), relative(root, file));
        queue.push(imported);
      } else if (!packages.has(specifier)) packages.set(specifier, relative(root, file));
    }
  }
  importers.delete(relative(root, resolve(entry)));
  return { files, packages, importers };
}

/** The code without block comments and whole-line `//` comments, whose examples (`import ... from 'x'`) are not imports. */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}
