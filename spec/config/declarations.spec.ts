/**
 * A component's declaration is the only place its defaults live: each constructor hands its `options` to
 * `resolveOptions` and reads only the resolved object, whose defaulted keys are always set. So no class can fall back
 * to a default of its own, and no test has to compare declared defaults with the ones a class uses.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODEL_DIRS = ['lib/backbones', 'lib/necks', 'lib/losses', 'lib/segmentors', 'heads'];

/** The body of the constructor whose parameter list starts at `start` (braces matched; strings hold none here). */
function constructorBody(source: string, start: number): string {
  const open = source.indexOf('{', source.indexOf(')', start));
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === '{') depth++;
    else if (source[i] === '}' && --depth === 0) return source.slice(open, i + 1);
  }
  throw new Error('unbalanced braces');
}

describe('component declarations', () => {
  it('constructors read their options only through resolveOptions', () => {
    const found: string[] = [];
    const problems: string[] = [];
    for (const dir of MODEL_DIRS) {
      for (const file of readdirSync(`${ROOT}${dir}`).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(`${ROOT}${dir}/${file}`, 'utf8');
        for (const m of source.matchAll(/constructor\(\s*options: (\w+)/g)) {
          const where = `${dir}/${file} (${m[1]})`;
          found.push(where);
          const body = constructorBody(source, m.index);
          const uses = [...body.matchAll(/(?<![.\w])options\b/g)].length;
          if (uses !== 1 || !new RegExp(`resolveOptions\\(${m[1]}, options\\b`).test(body)) {
            problems.push(`${where}: options is read ${uses} times; read it only as resolveOptions(${m[1]}, options, ctx)`);
          }
        }
      }
    }
    expect(found.length, 'constructors found').to.be.at.least(18);
    expect(problems).to.deep.equal([]);
  });
});
