/**
 * The training loop on a depth model (the synthetic depth demo shrunk): exact resume, validation with DepthMetric
 * ranking checkpoints by AbsRel (lower is better), a flat tensor count; and Swin-T + DPT (configs/dpt/dpt_swin-t_nyu.json)
 * taking a training step on NYU-format files through the config's own pipeline; the KITTI recipe's data at 1216x352
 * with the Garg crop.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../lib/components.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import type { SegvitConfig } from '../../lib/config/types.js';
import { DataLoader } from '../../datasets/loader.js';
import { findLatest } from '../../lib/engine/checkpoint.js';
import { buildOptimWrapper } from '../../lib/engine/optim/build.js';
import { taskOf } from '../../lib/engine/tasks/index.js';
import { train, trainingLosses } from '../../lib/engine/trainer.js';
import { totalLoss } from '../../lib/segmentors/encoder-decoder.js';
import { registries } from '../../lib/registry.js';
import { manualSeed } from '../../lib/random.js';
import { Tree } from '../datasets/trees.js';
import { tinyDepthOptions } from '../helpers/tiny-depth.js';

const DEMO = fileURLToPath(new URL('../../../configs/demo/synthetic-depth_dpt-tiny.json', import.meta.url));
const SWIN_NYU = fileURLToPath(new URL('../../../configs/dpt/dpt_swin-t_nyu.json', import.meta.url));
const HYBRID_KITTI = fileURLToPath(new URL('../../../configs/dpt/dpt_hybrid_kitti.json', import.meta.url));
const dataRoot = mkdtempSync(join(tmpdir(), 'segvit-depth-'));

/** The depth demo shrunk, with a 6-iteration schedule validated at 3 and 6. */
function tinyConfig(overrides: string[] = []): SegvitConfig {
  return validateConfig(
    loadConfig(DEMO, {
      cfgOptions: [
        ...tinyDepthOptions(dataRoot),
        'train_cfg.max_iters=6',
        'train_cfg.val_interval=3',
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

const records = (workDir: string, mode: 'train' | 'val') =>
  readFileSync(join(workDir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.mode === mode);

describe('training loop on a depth model', function () {
  this.timeout(600000);

  it('resumes exactly; validates with DepthMetric and keeps the lowest AbsRel as best', async () => {
    const whole = mkdtempSync(join(tmpdir(), 'segvit-depth-train-'));
    const result = await train(tinyConfig(), { workDir: whole, tty: false });
    const first = mkdtempSync(join(tmpdir(), 'segvit-depth-train-'));
    await train(tinyConfig(['train_cfg.max_iters=3']), { workDir: first, tty: false });
    await train(tinyConfig(), { workDir: first, resume: join(first, 'iter_3'), tty: false });
    const straight = records(whole, 'train').map((r) => r.values['decode.loss_silog']);
    const resumed = records(first, 'train').map((r) => r.values['decode.loss_silog']);
    expect(straight).to.have.length(6);
    expect(straight.every(Number.isFinite)).to.equal(true);
    expect(resumed).to.deep.equal(straight);

    const vals = records(whole, 'val');
    expect(vals.map((r) => r.iter)).to.deep.equal([2, 5]);
    expect(Object.keys(vals[0].metrics)).to.deep.equal(['d1', 'd2', 'd3', 'abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10', 'silog']);
    const absRel = vals.map((r) => r.metrics.abs_rel as number);
    const bestAt = absRel[1] < absRel[0] ? 6 : 3;
    expect(result.best).to.deep.equal({ metric: 'abs_rel', value: Math.min(...absRel), iteration: bestAt });
    expect(readFileSync(join(whole, 'best'), 'utf8').trim()).to.equal(`iter_${bestAt}`);
    expect(findLatest(whole)).to.equal(join(whole, 'iter_6'));
    expect(result.lastValidation!.report).to.match(/^depth errors \(0\.001 < gt < 10 m, crop none\):\n/);
  });

  it('keeps the tensor count flat over 20 iterations and releases everything at the end', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'segvit-depth-mem-'));
    const before = tf.memory().numTensors;
    const options = ['train_cfg.max_iters=20', 'param_scheduler.1.end=20', 'train_cfg.val_interval=10', 'default_hooks.checkpoint.interval=1000', 'default_hooks.logger.interval=2'];
    await train(tinyConfig(options), { workDir, tty: false });
    const counts = records(workDir, 'train').map((r) => r.tensors);
    expect(counts).to.have.length(10);
    expect(new Set(counts.slice(1)).size, `tensor counts ${counts}`).to.equal(1);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('Swin-T + DPT head (dpt_swin-t_nyu.json) takes a training step on NYU-format data and evaluates', async () => {
    const tree = new Tree();
    // two 96x128 scenes per split: a jpg and its uint16 millimetre depth, a ramp from 1 m to 4.8 m with holes
    for (const split of ['train', 'test']) {
      for (const name of ['bedroom_0001', 'kitchen_0002']) {
        await tree.image(`images/${split}/${name}.jpg`, 96, 128);
        tree.depth(`annotations/${split}/${name}.png`, Array.from({ length: 96 }, (_, y) => Array.from({ length: 128 }, (_, x) => ((x + y) % 9 === 0 ? 0 : 1000 + 40 * y))));
      }
    }
    const cfg = validateConfig(
      loadConfig(SWIN_NYU, {
        cfgOptions: [
          'model.backbone.init_cfg=null',
          `train_dataloader.dataset.data_root=${tree.root}`,
          'train_dataloader.batch_size=2',
          'train_dataloader.num_workers=0',
          `val_dataloader.dataset.data_root=${tree.root}`,
          'val_dataloader.num_workers=0',
          'val_evaluator.crop_type=null', // nyu_crop is defined on 480x640 maps
        ],
      }),
    );
    manualSeed(0);
    const task = taskOf(registries.segmentor.build(cfg.model!, 'model'));
    const { model } = task;
    expect(model.numParameters()).to.be.within(30e6, 40e6);
    const loader = await DataLoader.create({ datasetConfig: cfg.train_dataloader!.dataset, batchSize: 2, shuffle: true });
    const { value: batch } = await loader.iterate().next();
    expect(batch.shape).to.deep.equal([2, 96, 128, 3]);
    expect(batch.depthShape).to.deep.equal([2, 96, 128]);
    const wrapper = buildOptimWrapper(model, cfg.optim_wrapper!);
    const images = tf.tensor4d(batch.images, batch.shape);
    const targets = task.targets(batch);
    const params = model.trainableParameters();
    let keys: string[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const terms = trainingLosses(model, images, targets);
      keys = Object.keys(terms);
      return totalLoss(terms);
    }, params.map(([, v]) => v));
    expect(keys).to.deep.equal(['decode.loss_silog']);
    const loss = value.dataSync()[0];
    expect(loss).to.be.greaterThan(0).and.to.be.below(1000);
    const named = Object.fromEntries(params.filter(([, v]) => grads[v.name]).map(([k, v]) => [k, grads[v.name]]));
    expect(Object.keys(named)).to.have.length(params.length);
    const before = Array.from(params[0][1].dataSync());
    wrapper.updateParams(named);
    expect(Array.from(params[0][1].dataSync())).to.not.deep.equal(before);
    tf.dispose([value, images, targets, ...Object.values(grads)]);
    const { metrics } = await task.evaluator(cfg.val_evaluator, 'val_evaluator').evaluate(await DataLoader.create({ datasetConfig: cfg.val_dataloader!.dataset, batchSize: 1 }));
    expect(Object.values(metrics).every(Number.isFinite), JSON.stringify(metrics)).to.equal(true);
    await loader.close();
    wrapper.dispose();
    wrapper.optimizer.dispose();
    model.dispose();
    tree.remove();
  });

  it('the KITTI recipe (dpt_hybrid_kitti.json) trains on 352x1216 KB crops and evaluates at 375x1242 with the Garg crop, 80 m', async () => {
    const tree = new Tree();
    const lines: string[] = [];
    for (const frame of ['0000000005', '0000000006']) {
      const image = `2011_09_26/2011_09_26_drive_0001_sync/image_02/data/${frame}.png`;
      const depth = `2011_09_26_drive_0001_sync/proj_depth/groundtruth/image_02/${frame}.png`;
      await tree.image(`input/${image}`, 375, 1242);
      // sparse LiDAR-like ground truth: every 5th pixel of the lower 60% of rows, 5..55 m (value / 256)
      tree.depth(`gt_depth/${depth}`, Array.from({ length: 375 }, (_, y) => Array.from({ length: 1242 }, (_, x) => (y > 150 && x % 5 === 0 ? 256 * (5 + (50 * x) / 1242) : 0))));
      lines.push(`${image} ${depth} 721.5377`);
    }
    tree.text('kitti_eigen_train.txt', `${lines.join('\n')}\n`);
    tree.text('kitti_eigen_test.txt', `${lines.join('\n')}\n`);
    const cfg = validateConfig(
      loadConfig(HYBRID_KITTI, {
        cfgOptions: [`train_dataloader.dataset.data_root=${tree.root}`, `val_dataloader.dataset.data_root=${tree.root}`, 'val_dataloader.num_workers=0'],
      }),
    );
    // the data and evaluation of the recipe, with the demo's small model in place of DPT-Hybrid (123M parameters)
    const small = validateConfig(loadConfig(DEMO, { cfgOptions: tinyDepthOptions(dataRoot) }));
    manualSeed(0);
    const task = taskOf(registries.segmentor.build(small.model!, 'model'));
    const loader = await DataLoader.create({ datasetConfig: cfg.train_dataloader!.dataset, batchSize: 2 });
    const { value: batch } = await loader.iterate().next();
    expect([batch.shape, batch.depthShape]).to.deep.equal([[2, 352, 1216, 3], [2, 352, 1216]]);
    const images = tf.tensor4d(batch.images, batch.shape);
    const targets = task.targets(batch);
    const loss = tf.tidy(() => totalLoss(trainingLosses(task.model, images, targets)).dataSync()[0]);
    expect(loss).to.be.greaterThan(0).and.to.be.below(1000);
    tf.dispose([images, targets]);
    const { metrics, report } = await task.evaluator(cfg.val_evaluator, 'val_evaluator').evaluate(await DataLoader.create({ datasetConfig: cfg.val_dataloader!.dataset, batchSize: 1 }));
    expect(report).to.match(/^depth errors \(0\.001 < gt < 80 m, crop garg_crop\):/);
    expect(Object.values(metrics).every(Number.isFinite), JSON.stringify(metrics)).to.equal(true);
    await loader.close();
    task.model.dispose();
    tree.remove();
  });
});
