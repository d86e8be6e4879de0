import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findBest, findLatest, loadCheckpoint, markBest, saveCheckpoint, type CheckpointContents,
} from '../../lib/engine/checkpoint.js';
import { AdamW, paramGroups, type OptimizerStateDict } from '../../lib/engine/optim/index.js';
import { loadStateDict } from '../../lib/weights/load.js';
import { TinyNet } from './tiny-model.js';

const SWIN_KEYS = { custom_keys: { norm: { decay_mult: 0 }, relative_position_bias_table: { decay_mult: 0 } } };

/** A model and its AdamW over the Swin-style groups. */
function trainable() {
  const model = new TinyNet();
  const optimizer = new AdamW(paramGroups(model, { lr: 0.01, weightDecay: 0.05 }, SWIN_KEYS), { lr: 0.01, weight_decay: 0.05 });
  return { model, optimizer };
}

/** One step with gradients that depend only on `seed` (the same for every model). */
function step({ model, optimizer }: ReturnType<typeof trainable>, seed: number): void {
  const grads = Object.fromEntries(
    model.trainableParameters().map(([name, v], i) => [name, tf.randomNormal(v.shape, 0, 1, 'float32', seed * 100 + i)]),
  );
  optimizer.step(grads, optimizer.baseLrs.map((lr) => lr * (1 - seed / 10)));
  tf.dispose(Object.values(grads));
}

const values = (model: TinyNet) => model.trainableParameters().map(([name, v]) => [name, [...v.dataSync()]]);

describe('checkpoints', () => {
  let workDir: string;
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'segvit-ckpt-'));
  });
  afterEach(() => rmSync(workDir, { recursive: true, force: true }));

  const contents = (run: ReturnType<typeof trainable>, iteration: number): CheckpointContents => ({
    iteration,
    model: run.model,
    optimizer: run.optimizer,
    rng: { global: 1234, data: 99 },
    best: { metric: 'mIoU', value: 41.5, iteration: 1 },
    config: { train_cfg: { max_iters: 10 } },
  });

  it('writes iter_<n>/ with model, optimizer and state, and points latest at it', () => {
    const run = trainable();
    step(run, 1);
    const dir = saveCheckpoint(workDir, contents(run, 1));
    expect(dir).to.equal(join(workDir, 'iter_1'));
    expect(readdirSync(dir).sort()).to.deep.equal(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    expect(readFileSync(join(workDir, 'latest'), 'utf8')).to.equal('iter_1\n');
    expect(findLatest(workDir)).to.equal(dir);
    const loaded = loadCheckpoint(dir);
    expect(loaded.state).to.include({ iteration: 1 });
    expect(loaded.state.rng).to.deep.equal({ global: 1234, data: 99 });
    expect(loaded.state.best).to.deep.equal({ metric: 'mIoU', value: 41.5, iteration: 1 });
    expect(loaded.model.get('head.weight')!.shape).to.deep.equal([2, 3]); // torch layout [out, in]
    expect(loaded.optimizer!.tensors.get('layers.0.relative_position_bias_table.exp_avg_sq')!.shape).to.deep.equal([3, 2]);
    expect(loaded.optimizer!.steps['head.bias']).to.equal(1);
    run.model.dispose();
    run.optimizer.dispose();
  });

  it('resuming gives exactly the updates of the uninterrupted run', () => {
    const original = trainable();
    step(original, 1);
    step(original, 2);
    const dir = saveCheckpoint(workDir, contents(original, 2));
    step(original, 3);

    const before = tf.memory().numTensors;
    const resumed = trainable();
    const checkpoint = loadCheckpoint(dir);
    const report = loadStateDict(resumed.model, checkpoint.model, { strict: true });
    expect(report.missing).to.deep.equal([]);
    resumed.optimizer.loadStateDict(checkpoint.optimizer as OptimizerStateDict);
    step(resumed, 3);
    expect(values(resumed.model)).to.deep.equal(values(original.model));
    resumed.model.dispose();
    resumed.optimizer.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    original.model.dispose();
    original.optimizer.dispose();
  });

  it('a failure while writing leaves latest on the last complete checkpoint and no partial directory', () => {
    const run = trainable();
    saveCheckpoint(workDir, contents(run, 2));
    const failing = {
      ...contents(run, 4),
      optimizer: Object.assign(Object.create(run.optimizer) as AdamW, {
        stateDict: () => {
          throw new Error('disk full');
        },
      }),
    };
    expect(() => saveCheckpoint(workDir, failing)).to.throw('disk full');
    expect(readdirSync(workDir).sort()).to.deep.equal(['iter_2', 'latest']);
    expect(findLatest(workDir)).to.equal(join(workDir, 'iter_2'));
    expect(loadCheckpoint(findLatest(workDir)!).state.iteration).to.equal(2);
    run.model.dispose();
    run.optimizer.dispose();
  });

  it('findLatest falls back to the newest complete checkpoint when the pointer is missing or stale', () => {
    const run = trainable();
    for (const i of [3, 10, 7]) saveCheckpoint(workDir, contents(run, i));
    expect(findLatest(workDir)).to.equal(join(workDir, 'iter_7')); // the pointer, not the highest
    rmSync(join(workDir, 'iter_7'), { recursive: true });
    expect(findLatest(workDir)).to.equal(join(workDir, 'iter_10'));
    rmSync(join(workDir, 'latest'));
    expect(findLatest(workDir)).to.equal(join(workDir, 'iter_10'));
    expect(findLatest(join(workDir, 'nothing-here'))).to.equal(null);
    run.model.dispose();
    run.optimizer.dispose();
  });

  it('keeps the newest max_keep_ckpts checkpoints and the best one', () => {
    const run = trainable();
    for (let i = 1; i <= 5; i++) {
      saveCheckpoint(workDir, contents(run, i), 2);
      if (i === 2) markBest(workDir, 2);
    }
    expect(readdirSync(workDir).sort()).to.deep.equal(['best', 'iter_2', 'iter_4', 'iter_5', 'latest']);
    expect(findBest(workDir)).to.equal(join(workDir, 'iter_2'));
    expect(() => markBest(workDir, 3)).to.throw('not a complete checkpoint');
    run.model.dispose();
    run.optimizer.dispose();
  });

  it('saving an iteration again replaces its checkpoint', () => {
    const run = trainable();
    saveCheckpoint(workDir, contents(run, 6));
    saveCheckpoint(workDir, { ...contents(run, 6), rng: { global: 7 } });
    expect(loadCheckpoint(join(workDir, 'iter_6')).state.rng).to.deep.equal({ global: 7 });
    expect(existsSync(join(workDir, 'iter_6.replaced'))).to.equal(false);
    run.model.dispose();
    run.optimizer.dispose();
  });
});
