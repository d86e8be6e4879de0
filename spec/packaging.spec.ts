/**
 * The package as a user gets it: `npm pack`, the tarball installed into a new project (its install script included),
 * a strict TypeScript file compiled against the published .d.ts files and run, and the model sub-paths bundled for
 * the browser with esbuild.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasNpm, installInto, pack, run } from './helpers/npm-project.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = createRequire(`${ROOT}package.json`).resolve('typescript/bin/tsc');
type ExportTarget = string | Record<string, string>;
const MANIFEST = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, ExportTarget> };

/** Every sub-path the package exports, as a consumer imports it (`segvit`, `segvit/heads`, ...). */
const SUBPATHS = Object.keys(MANIFEST.exports)
  .filter((key) => !key.endsWith('.json'))
  .map((key) => key.replace(/^\./, 'segvit'));

/** The files the exports map points to, in every condition, as paths inside the package. */
function exportedFiles(): string[] {
  return Object.values(MANIFEST.exports)
    .flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))
    .map((target) => target.replace(/^\.\//, ''));
}

/**
 * A consumer's strict TypeScript: a head imported from segvit/heads and run, and one built from a config through the
 * registry after importing segvit/heads alone. The expected error proves the options are typed, not `any`.
 */
const CONSUMER = `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { UPerHead, type UPerHeadOptions } from 'segvit/heads';
import { registries } from 'segvit/registry';

await tf.setBackend('cpu');
const options: UPerHeadOptions = { in_channels: [4, 8, 16, 32], in_index: [0, 1, 2, 3], channels: 8, num_classes: 3 };
// @ts-expect-error channels is an integer
const mistyped: UPerHeadOptions = { ...options, channels: '8' };
const features = [16, 8, 4, 2].map((side, i) => tf.randomNormal([2, side, side, 4 * 2 ** i]) as tf.Tensor4D);
const direct: tf.Tensor4D = new UPerHead(options).forward(features);
const config = { type: 'UPerHead', in_channels: [4, 8, 16, 32], in_index: [0, 1, 2, 3], channels: 8, num_classes: 3 };
const built: tf.Tensor4D = registries.head.build(config, 'decode_head').forward(features);
console.log(JSON.stringify({ direct: direct.shape, built: built.shape }));
`;

/** Type-only imports of every exported sub-path: each must resolve to declarations that pass a strict check. */
const SUBPATH_TYPES = SUBPATHS.map((subpath, i) => `import type * as m${i} from '${subpath}';`).join('\n');

/** Strict, and no skipLibCheck: an error inside a published .d.ts fails the compile. */
const TSCONFIG = {
  compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out' },
  files: ['main.ts', 'subpaths.ts'],
};

/** A browser app: the heads registered by a bare import (so `sideEffects` must keep them), a backbone, weights. */
const BROWSER_ENTRY = `
import 'segvit/heads';
import { registries } from 'segvit/registry';
import { SwinTransformer } from 'segvit/backbones';
import { loadWeights, readSafetensors } from 'segvit/weights';
export { registries, SwinTransformer, loadWeights, readSafetensors };
`;

/** A page using the browser runtime alone: it must bring every model component and the test transforms with it. */
const RUNTIME_ENTRY = `
import { loadModel } from 'segvit/browser';
export { loadModel };
`;

/** `source`, written as `file` in the consumer project, bundled by esbuild for the browser: the bundle's code. */
async function bundleForBrowser(project: string, file: string, source: string): Promise<string> {
  const { build } = await import('esbuild');
  writeFileSync(join(project, file), source);
  const result = await build({ entryPoints: [join(project, file)], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  return result.outputFiles.map((output) => output.text).join('\n');
}

function seconds(from: number, to: number): string {
  return `${((to - from) / 1000).toFixed(1)} s`;
}

describe('the npm package', function () {
  this.timeout(300000);
  let work: string;
  let project: string;
  let files: string[];
  let installLog: string;

  before(function () {
    if (!hasNpm()) {
      console.log('    (pending: npm is not on the PATH, so the package cannot be packed and installed)');
      this.skip();
    }
    work = mkdtempSync(join(tmpdir(), 'segvit-package-'));
    project = join(work, 'consumer');
    const packing = Date.now();
    const packed = pack(ROOT, work);
    files = packed.files;
    const installing = Date.now();
    const installed = installInto(project, packed.tarball);
    installLog = installed.stdout + installed.stderr;
    console.log(`    (packed in ${seconds(packing, installing)}, installed in ${seconds(installing, Date.now())})`);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships every exported file with its declarations, the native source and its build script, and no specs', () => {
    const modules = exportedFiles().filter((file) => file.endsWith('.js'));
    const declarations = modules.map((file) => file.replace(/\.js$/, '.d.ts'));
    const needed = [...exportedFiles(), ...declarations, 'dist/bin/segvit.js', 'tools/build-native.mjs', 'lib/kernels/native/blas.c'];
    expect(needed.filter((file) => !files.includes(file)), 'missing from the tarball').to.deep.equal([]);
    expect(files.filter((file) => /^dist\/(spec|native)\//.test(file)), 'not to be shipped').to.deep.equal([]);
  });

  it('builds the native GEMM at install or says why not, and the installed CLI reports the same', () => {
    const said = /segvit native GEMM: (built|skipped|not built)/.exec(installLog);
    expect(said, `the install script said nothing:\n${installLog}`).to.not.equal(null);
    const { stdout } = run(project, join(project, 'node_modules/.bin/segvit'), '--version');
    expect(stdout).to.contain(said?.[1] === 'built' ? 'native OpenBLAS GEMM' : 'wasm GEMM (native GEMM');
  });

  it('compiles a strict TypeScript consumer against the published types of every sub-path, and runs it', () => {
    writeFileSync(join(project, 'main.ts'), CONSUMER);
    writeFileSync(join(project, 'subpaths.ts'), SUBPATH_TYPES);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    run(project, process.execPath, TSC, '-p', 'tsconfig.json');
    const { stdout } = run(project, process.execPath, 'out/main.js');
    expect(JSON.parse(stdout)).to.deep.equal({ direct: [2, 16, 16, 3], built: [2, 16, 16, 3] });
  });

  it('bundles segvit/heads, segvit/backbones and segvit/weights for the browser with esbuild', async () => {
    const code = await bundleForBrowser(project, 'browser.js', BROWSER_ENTRY);
    expect(code).to.not.match(/["']node:/);
    const kept = ['UPerHead', 'CrossEntropyLoss'].filter((type) => code.includes(`.register("${type}"`));
    expect(kept, "registrations kept by `import 'segvit/heads'` (package.json sideEffects)").to.deep.equal(['UPerHead', 'CrossEntropyLoss']);
  });

  it('bundles segvit/browser with esbuild: no Node built-in, every model component and test transform registered', async () => {
    const code = await bundleForBrowser(project, 'runtime.js', RUNTIME_ENTRY);
    // native-blas.ts names "node:module" as a string for process.getBuiltinModule, which a browser does not have
    expect(code).to.not.match(/(?:from|import|require)\s*\(?\s*["']node:/);
    const types = ['SwinTransformer', 'VisionTransformer', 'UPerHead', 'DPTHead', 'EncoderDecoder', 'DepthEstimator', 'CrossEntropyLoss', 'Resize', 'Pad'];
    expect(types.filter((type) => !code.includes(`.register("${type}"`)), 'registrations dropped').to.deep.equal([]);
  });
});
