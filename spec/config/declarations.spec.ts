/**
 * A component's declaration is the only place its defaults live: each constructor (models, losses, datasets,
 * transforms, metrics, optimizers, schedulers) hands its `options` to `resolveOptions` and reads only the resolved
 * object, whose defaulted keys are always set. So no class can fall back to a default of its own, and no test has to
 * compare declared defaults with the ones a class uses. Every registered component registers such a declaration.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JSONSchema } from '../../lib/config/json-schema.js';
import { COMPONENT_KINDS, registries } from '../../lib/registry.js';
import '../../lib/components.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPONENT_DIRS = [
  'lib/backbones',
  'lib/necks',
  'lib/losses',
  'lib/segmentors',
  'heads',
  'datasets',
  'datasets/transforms',
  'lib/metrics',
  'lib/engine/optim',
  'lib/engine/schedulers',
];

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
    for (const dir of COMPONENT_DIRS) {
      for (const file of readdirSync(`${ROOT}${dir}`).filter((f) => f.endsWith('.ts'))) {
        const source = readFileSync(`${ROOT}${dir}/${file}`, 'utf8');
        // optimizers take their parameters first, as torch's
        for (const m of source.matchAll(/constructor\(\s*(?:params: \w+,\s*)?options: (\w+)/g)) {
          const where = `${dir}/${file} (${m[1]})`;
          found.push(where);
          const body = constructorBody(source, m.index);
          const uses = [...body.matchAll(/(?<![.\w])options\b/g)].length;
          // file datasets resolve the declaration of the format being built: `new.target`'s OPTIONS
          if (uses !== 1 || !new RegExp(`resolveOptions\\((?:${m[1]}|OPTIONS), options\\b`).test(body)) {
            problems.push(`${where}: options is read ${uses} times; read it only as resolveOptions(${m[1]}, options, ctx)`);
          }
        }
      }
    }
    expect(found.length, 'constructors found').to.be.at.least(43);
    expect(problems).to.deep.equal([]);
  });

  it('every registered component has a declaration: its type (or the type it aliases) and a description per option', () => {
    const problems: string[] = [];
    for (const kind of COMPONENT_KINDS) {
      for (const type of registries[kind].types()) {
        const schema = registries[kind].get(type).schema as JSONSchema;
        if (schema.title === undefined || !registries[kind].has(schema.title)) {
          problems.push(`${kind} ${type}: schema not made by defineOptions`);
        }
        const undescribed = Object.entries(schema.properties ?? {}).filter(([, option]) => !option.description);
        for (const [name] of undescribed) problems.push(`${kind} ${type}: option ${name} has no description`);
      }
    }
    expect(problems).to.deep.equal([]);
  });
});
