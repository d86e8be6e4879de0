/**
 * The package as a user gets it: `npm pack`, the tarball installed into a new project, a strict TypeScript file that
 * imports from its sub-paths compiled against the published .d.ts files and run, and its model sub-paths bundled for
 * the browser with esbuild.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = createRequire(`${ROOT}package.json`).resolve('typescript/bin/tsc');

/** `command args` in `cwd`; its stdout, or an error with its output when it fails. */
function run(cwd: string, command: string, ...args: string[]): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

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

describe('the npm package', function () {
  this.timeout(300000);
  let project: string;

  before(function () {
    if (spawnSync('npm', ['--version']).status !== 0) {
      console.log('    packaging tests pending: npm is not on the PATH');
      this.skip();
    }
    const work = mkdtempSync(join(tmpdir(), 'segvit-package-'));
    // the package is built (npm test builds first): no prepare run, and no native build in the consumer
    const packed = JSON.parse(run(ROOT, 'npm', 'pack', '--ignore-scripts', '--json', '--pack-destination', work)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).to.include.members(['dist/heads/index.js', 'dist/heads/index.d.ts', 'dist/lib/registry.d.ts', 'dist/bin/segvit.js']);
    expect(files.filter((f) => f.startsWith('dist/spec/'))).to.deep.equal([]);
    project = join(work, 'consumer');
    run(work, 'mkdir', 'consumer');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run(project, 'npm', 'install', join(work, packed[0].filename), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts');
  });

  it('compiles a strict TypeScript consumer against the published types, and runs it', () => {
    writeFileSync(join(project, 'main.ts'), CONSUMER);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    run(project, process.execPath, TSC, '-p', 'tsconfig.json');
    const out = JSON.parse(run(project, process.execPath, 'out/main.js')) as Record<string, number[]>;
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
