/** segvit profile on the digits demo, run as a user runs it: progress, a kernel table, a JSON last line. */
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loadAllBackends } from '../lib/backend.js';
import '../lib/components.js';
import { loadConfig, validateConfig } from '../lib/config/index.js';
import { runSegvit } from './helpers/cli.js';

const DEMO = fileURLToPath(new URL('../../configs/demo/digits_swin-nano_upernet.json', import.meta.url));
const SMALL = ['train_dataloader.batch_size=2'];
const cwd = mkdtempSync(join(tmpdir(), 'segvit-cli-profile-'));
const segvit = (...args: string[]) => runSegvit(cwd, ...args);

interface Summary {
  peak_mb: number;
  live_peak_mb: number | null;
  s_per_iter: number;
  backend: string;
  iters: number;
  batch: number;
  crop: [number, number];
}

interface KernelRow {
  name: string;
  ms: number;
  count: number;
  share: number;
}

function lastLine(stdout: string): Summary {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Summary;
}

/** The rows of the kernel table: name, total ms, count, % of step. */
function kernelRows(stdout: string): KernelRow[] {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => /^kernel +total ms +count +% of step$/.test(l));
  expect(header, stdout).to.be.greaterThan(0);
  const rows: KernelRow[] = [];
  for (const line of lines.slice(header + 1)) {
    const m = /^(\S+) +([\d.]+) +(\d+) +([\d.]+)$/.exec(line);
    if (!m) break;
    rows.push({ name: m[1]!, ms: Number(m[2]), count: Number(m[3]), share: Number(m[4]) });
  }
  return rows;
}

describe('segvit profile', function () {
  this.timeout(120000);
  const cfg = validateConfig(loadConfig(DEMO, { cfgOptions: SMALL }));

  it('times training steps of the demo on wasm and lists its kernels, ending with one JSON line', async () => {
    const { code, stdout, stderr } = segvit('profile', DEMO, '--iters', '2', '--cfg-options', ...SMALL);
    expect(code, stderr).to.equal(0);
    expect(stderr).to.contain('segvit: backend wasm');
    expect(stdout).to.match(/^warm-up: [\d.]+ s, loss [\d.]+\nstep 1\/2: [\d.]+ s, loss [\d.]+\nstep 2\/2: [\d.]+ s, loss [\d.]+$/m);
    const summary = lastLine(stdout);
    expect(summary.backend).to.equal('wasm');
    expect(summary.iters).to.equal(2);
    expect(summary.batch).to.equal(cfg.train_dataloader!.batch_size).and.to.equal(2);
    expect(summary.crop).to.deep.equal((cfg.model!.data_preprocessor as { size: number[] }).size);
    expect(summary.s_per_iter).to.be.greaterThan(0);
    expect(summary.peak_mb).to.be.greaterThan(0);
    // the tensors held at the peak: more than the weights alone (2.95M parameters, 11.3 MB), within the heap
    expect(summary.live_peak_mb).to.be.greaterThan(11.3).and.at.most(summary.peak_mb);

    const rows = kernelRows(stdout);
    expect(rows.length).to.be.within(5, 15);
    await loadAllBackends();
    const wasmKernels = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const row of rows) expect(wasmKernels.has(row.name), `${row.name} is a wasm kernel`).to.equal(true);
    expect(rows.map((r) => r.name)).to.include.oneOf(['BatchMatMul', '_FusedMatMul']);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.ms).to.be.at.most(rows[i - 1]!.ms);
    const shares = rows.reduce((sum, r) => sum + r.share, 0);
    expect(shares).to.be.greaterThan(0).and.at.most(100.5);
  });

  it('on cpu, peak_mb is tf.profile\'s peak and --backend picks the backend', () => {
    const tiny = ['train_dataloader.batch_size=1', 'model.data_preprocessor.size=[32,32]']; // the cpu backend is slow
    const { code, stdout, stderr } = segvit('--backend', 'cpu', 'profile', DEMO, '--iters', '1', '--cfg-options', ...tiny);
    expect(code, stderr).to.equal(0);
    expect(stderr).to.contain('segvit: backend cpu');
    const summary = lastLine(stdout);
    expect(summary.backend).to.equal('cpu');
    expect(summary.batch).to.equal(1);
    expect(summary.crop).to.deep.equal([32, 32]);
    expect(summary.peak_mb).to.be.greaterThan(0);
    expect(summary.live_peak_mb).to.equal(null);
    expect(kernelRows(stdout).map((r) => r.name)).to.include.oneOf(['BatchMatMul', '_FusedMatMul']);
  });

  it('a config with no model fails with one line naming the file and what to give', () => {
    const file = 'configs/_base_/datasets/ade20k.json';
    const { code, stdout, stderr } = runSegvit(fileURLToPath(new URL('../../', import.meta.url)), 'profile', file);
    expect(code).to.equal(1);
    expect(stdout).to.equal('');
    expect(stderr.trim()).to.equal(
      `segvit: ${file}: no model to profile; give a training config, e.g. configs/demo/digits_swin-nano_upernet.json`,
    );
  });

  it('--iters must be a positive integer', () => {
    const { code, stderr } = segvit('profile', DEMO, '--iters', '0');
    expect(code).to.equal(1);
    expect(stderr).to.contain("argument '0' is invalid. '0' is not a positive integer");
  });
});
