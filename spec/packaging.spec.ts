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

/** A consumer's strict TypeScript: a head imported from segvit/heads, and one built from a config through the registry. */
const CONSUMER = `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { UPerHead, type UPerHeadOptions } from 'segvit/heads';
import { registries } from 'segvit/registry';

await tf.setBackend('cpu');
const options: UPerHeadOptions = { in_channels: [4, 8, 16, 32], in_index: [0, 1, 2, 3], channels: 8, num_classes: 3 };
const features = [16, 8, 4, 2].map((s, i) => tf.randomNormal([2, s, s, 4 * 2 ** i]) as tf.Tensor4D);
const direct: tf.Tensor4D = new UPerHead(options).forward(features);
const config = { type: 'UPerHead', in_channels: [4, 8, 16, 32], in_index: [0, 1, 2, 3], channels: 8, num_classes: 3 };
const built = registries.head.build(config, 'decode_head');
console.log(JSON.stringify({ direct: direct.shape, built: built.forward(features).shape }));
`;

const TSCONFIG = {
  compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out' },
  files: ['main.ts'],
};

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

  it('ships the heads and the registry with their declarations, the native source and its build script, and no specs', () => {
    const needed = ['dist/heads/index.js', 'dist/heads/index.d.ts', 'dist/lib/registry.d.ts', 'dist/bin/segvit.js', 'tools/build-native.mjs', 'lib/kernels/native/blas.c'];
    expect(needed.filter((file) => !files.includes(file)), 'missing from the tarball').to.deep.equal([]);
    expect(files.filter((file) => /^dist\/(spec|native)\//.test(file)), 'not to be shipped').to.deep.equal([]);
  });

  it('builds the native GEMM at install or says why not, and the installed CLI reports the same', () => {
    const said = /segvit native GEMM: (built|skipped|not built)/.exec(installLog);
    expect(said, `the install script said nothing:\n${installLog}`).to.not.equal(null);
    const { stdout } = run(project, join(project, 'node_modules/.bin/segvit'), '--version');
    expect(stdout).to.contain(said?.[1] === 'built' ? 'native OpenBLAS GEMM' : 'wasm GEMM (native GEMM');
  });

  it('compiles a strict TypeScript consumer against the published types, and runs it', () => {
    writeFileSync(join(project, 'main.ts'), CONSUMER);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    run(project, process.execPath, TSC, '-p', 'tsconfig.json');
    const out = JSON.parse(run(project, process.execPath, 'out/main.js').stdout) as Record<string, number[]>;
    expect(out).to.deep.equal({ direct: [2, 16, 16, 3], built: [2, 16, 16, 3] });
  });

  it('fails the compile when the consumer misuses a published type', () => {
    writeFileSync(join(project, 'main.ts'), CONSUMER.replace('channels: 8,', "channels: '8',"));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    expect(() => run(project, process.execPath, TSC, '-p', 'tsconfig.json')).to.throw(/main\.ts\(\d+,\d+\): error TS2322/);
  });

  it('bundles segvit/heads, segvit/backbones and segvit/weights for the browser with esbuild', async () => {
    const { build } = await import('esbuild');
    const entry = join(project, 'browser.js');
    writeFileSync(
      entry,
      "export * from 'segvit/heads';\nexport * from 'segvit/backbones';\nexport { loadWeights, readSafetensors } from 'segvit/weights';\n",
    );
    const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    expect(result.errors).to.deep.equal([]);
    const code = result.outputFiles[0].text;
    expect(code).to.not.match(/from ["']node:|require\(["'](fs|path|node:)/);
    expect(code).to.contain('UPerHead');
    expect(readFileSync(join(project, 'node_modules/segvit/package.json'), 'utf8')).to.contain('"sideEffects"');
  });
});
