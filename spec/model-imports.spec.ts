/**
 * Model code runs anywhere: `segvit/heads`, `segvit/backbones`, `segvit/necks` and `segvit/nn` reach, through every
 * import of the compiled code, no Node built-in and no package but the browser-safe ones below; `segvit/browser`
 * adds tfjs's backends.
 */
import { expect } from 'chai';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { importChain, importGraph } from './helpers/import-graph.js';

const DIST = fileURLToPath(new URL('../', import.meta.url));

/**
 * Packages model code may import: tfjs-core (the backend-free API), ajv (its main entry; only `ajv/dist/standalone`
 * needs Node) and TypeBox. Add one only if it runs in a browser.
 */
const BROWSER_SAFE = new Set(['@tensorflow/tfjs-core', 'ajv', '@sinclair/typebox']);

/** Every import of a package outside BROWSER_SAFE reachable from `entry`, with the chain of files that leads to it. */
function forbiddenImports(entry: string): string[] {
  const graph = importGraph(`${DIST}${entry}`, DIST);
  return [...graph.packages]
    .filter(([specifier]) => !BROWSER_SAFE.has(specifier))
    .map(([specifier, file]) => {
      const what = specifier.startsWith('node:') || builtinModules.includes(specifier) ? 'Node built-in' : 'package';
      return `${what} '${specifier}' <- ${importChain(graph, file).join(' <- ')}`;
    });
}

describe('model code imports (browser-safe sub-paths)', () => {
  for (const [subpath, entry] of [
    ['segvit/heads', 'heads/index.js'],
    ['segvit/backbones', 'lib/backbones/index.js'],
    ['segvit/necks', 'lib/necks/index.js'],
    ['segvit/nn', 'lib/nn/index.js'],
  ]) {
    it(`${subpath} reaches no Node built-in and no package but ${[...BROWSER_SAFE].join(', ')}`, () => {
      expect(forbiddenImports(entry)).to.deep.equal([]);
    });
  }

  it("segvit/browser reaches no Node built-in, and no package but those, tfjs's backends and the weight readers' (pure JS)", () => {
    const allowed = ['cpu', 'wasm', 'webgl', 'webgpu'].map((b) => `@tensorflow/tfjs-backend-${b}`).concat('fflate', 'pickleparser');
    const found = forbiddenImports('lib/browser/index.js').filter((f) => !allowed.some((p) => f.startsWith(`package '${p}' <-`)));
    expect(found).to.deep.equal([]);
  });

  it('finds a forbidden import and names the chain (the Node entry reaches node:fs)', () => {
    const found = forbiddenImports('lib/components.js');
    expect(found.some((f) => /^Node built-in 'node:fs' <- .* <- lib\/components\.js$/.test(f)), found.join('\n')).to.equal(true);
  });
});
