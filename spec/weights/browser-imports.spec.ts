/** `segvit/weights` (lib/weights/index.ts) must bundle for the browser: no Node built-in and no sharp is reachable. */
import { expect } from 'chai';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { importGraph } from '../helpers/import-graph.js';

const DIST = fileURLToPath(new URL('../../', import.meta.url));
const entry = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Specifiers that only Node (or a native addon) provides. */
const nodeOnly = (specifier: string) =>
  specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]) || specifier === 'sharp';

describe('segvit/weights in the browser', () => {
  it('lib/weights/index.js reaches no Node built-in or sharp through its imports', () => {
    const { files, packages } = importGraph(entry('lib/weights/index.js'), DIST);
    expect(files).to.include.members(['lib/weights/safetensors.js', 'lib/weights/pth.js', 'lib/weights/load-weights.js']);
    expect(files).to.not.include('lib/weights/node.js');
    const offending = [...packages].filter(([specifier]) => nodeOnly(specifier)).map(([s, file]) => `${s} (from ${file})`);
    expect(offending).to.deep.equal([]);
    expect([...packages.keys()].sort()).to.deep.equal(['@tensorflow/tfjs-core', 'fflate', 'pickleparser']);
  });

  it('the Node entry lib/weights/node.js is where the file system comes in', () => {
    const { packages } = importGraph(entry('lib/weights/node.js'), DIST);
    expect(packages.get('node:fs')).to.equal('lib/weights/node.js');
    expect([...packages.keys()].filter(nodeOnly).sort()).to.deep.equal(['node:crypto', 'node:fs', 'node:path']);
  });
});
