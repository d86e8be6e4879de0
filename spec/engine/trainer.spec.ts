/**
 * The training loop end to end on a tiny Swin + UPerNet and a tiny digits dataset: exact resume, the NaN guard,
 * a flat tensor count, checkpoints and the work dir's files.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../lib/components.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import type { SegvitConfig } from '../../lib/config/types.js';
import { train } from '../../lib/engine/trainer.js';
import { findLatest } from '../../lib/engine/checkpoint.js';
import { tinyDigitsOptions } from '../helpers/tiny-digits.js';

const DEMO = new URL('../../../configs/demo/digits_swin-nano_upernet.json', import.meta.url).pathname;
const dataRoot = mkdtempSync(join(tmpdir(), 'segvit-digits-'));

/** The demo config shrunk (24 training samples), with a 6-iteration schedule. */
function tinyConfig(overrides: string[] = []): SegvitConfig {
  return validateConfig(
    loadConfig(DEMO, {
      cfgOptions: [
        ...tinyDigitsOptions(dataRoot, 24),
        'train_cfg.max_iters=6',
        'train_cfg.val_interval=6',
        'param_scheduler.0.end=2',
        'param_scheduler.1.begin=2',
        'param_scheduler.1.end=6',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=3',
        ...overrides,
      ],
    }),
  );
}

const trainRecords = (workDir: string) =>
  readFileSync(join(workDir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.mode === 'train');

describe('training loop', function () {
  this.timeout(300000);

  it('resumes exactly: the same losses as an uninterrupted run', async () => {
    const whole = mkdtempSync(join(tmpdir(), 'segvit-train-'));
    await train(tinyConfig(), { workDir: whole, tty: false });
    const first = mkdtempSync(join(tmpdir(), 'segvit-train-'));
    await train(tinyConfig(['train_cfg.max_iters=3']), { workDir: first, tty: false });
    // the second half continues from the first half's checkpoint, with the full schedule
    await train(tinyConfig(), { workDir: first, resume: join(first, 'iter_3'), tty: false });
    const straight = trainRecords(whole).map((r) => r.values['decode.loss_ce']);
    const resumed = trainRecords(first).map((r) => r.values['decode.loss_ce']);
    expect(straight).to.have.length(6);
    expect(resumed).to.deep.equal(straight);
    expect(existsSync(join(whole, 'loss.png'))).to.equal(true);
    expect(existsSync(join(whole, 'val.png'))).to.equal(true);
    expect(findLatest(whole)).to.equal(join(whole, 'iter_6'));
  });

  it('trains module-wise (local learning) with the same exact resume and logs each module\'s losses', async () => {
    const local = ['model.train_cfg.local_learning.num_modules=2', 'model.backbone.with_cp=true'];
    const whole = mkdtempSync(join(tmpdir(), 'segvit-local-'));
    const result = await train(tinyConfig(local), { workDir: whole, tty: false });
    const first = mkdtempSync(join(tmpdir(), 'segvit-local-'));
    await train(tinyConfig([...local, 'train_cfg.max_iters=3']), { workDir: first, tty: false });
    await train(tinyConfig(local), { workDir: first, resume: join(first, 'iter_3'), tty: false });
    const keys = ['module0.loss_recon', 'module0.aux.loss_ce', 'decode.loss_ce', 'aux.loss_ce'];
    const straight = trainRecords(whole).map((r) => keys.map((k) => r.values[k]));
    expect(straight).to.have.length(6);
    for (const row of straight) for (const v of row) expect(v).to.be.a('number').and.be.greaterThan(0);
    expect(trainRecords(first).map((r) => keys.map((k) => r.values[k]))).to.deep.equal(straight);
    expect(result.lastValidation!.metrics.mIoU).to.be.a('number');
  });

  it('stops on a NaN loss with a clear message, leaving the last good checkpoint intact', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'segvit-nan-'));
    const twoIters = ['train_cfg.max_iters=2', 'default_hooks.checkpoint.interval=1', 'train_cfg.val_interval=1000'];
    await train(tinyConfig(twoIters), { workDir, tty: false });
    const good = join(workDir, 'iter_2');
    const weights = readFileSync(join(good, 'model.safetensors'));
    // a zero std in the preprocessor turns every input into ±Inf / NaN from iteration 3 on
    const broken = tinyConfig(['model.data_preprocessor.std=[0,0,0]', 'train_cfg.val_interval=1000', 'default_hooks.checkpoint.interval=1']);
    let message = '';
    await train(broken, { workDir, resume: true, tty: false }).catch((e: Error) => (message = e.message));
    // (on wasm the loss was seen to stay finite with NaN inputs: the gradients are checked too)
    expect(message).to.match(/^(loss is (NaN|Infinity)|gradients are not finite \(loss [-\d.e]+\)) at iteration 3 /);
    expect(message).to.contain(`The last good checkpoint is ${good}.`);
    expect(findLatest(workDir)).to.equal(good);
    expect(readFileSync(join(good, 'model.safetensors')).equals(weights)).to.equal(true);
  });

  it('keeps the tensor count flat over 100 iterations and releases everything at the end', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'segvit-mem-'));
    const before = tf.memory().numTensors;
    await train(tinyConfig(['train_cfg.max_iters=100', 'train_cfg.val_interval=1000', 'default_hooks.checkpoint.interval=1000', 'default_hooks.logger.interval=10']), {
      workDir,
      tty: false,
    });
    const counts = trainRecords(workDir).map((r) => r.tensors);
    expect(counts).to.have.length(10);
    expect(new Set(counts.slice(1)).size, `tensor counts ${counts}`).to.equal(1);
    expect(tf.memory().numTensors).to.equal(before);
  });
});
