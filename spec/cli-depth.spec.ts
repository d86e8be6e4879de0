/**
 * train -> eval -> predict through the command line on the synthetic depth demo shrunk, as a user runs them: the eval
 * figures against errors counted here from the model's own predictions and the ground-truth PNGs, predict's 16-bit
 * PNG against the predicted depth in millimetres.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../lib/components.js';
import { loadConfig, validateConfig } from '../lib/config/index.js';
import { registries } from '../lib/registry.js';
import { DepthEstimator } from '../lib/segmentors/depth-estimator.js';
import { BaseSegDataset } from '../datasets/base.js';
import { readDepthPng, readImage } from '../datasets/io.js';
import { imageTransforms, predictDepthFile } from '../lib/engine/predict.js';
import { loadWeights } from '../lib/weights/node.js';
import { tinyDepthOptions } from './helpers/tiny-depth.js';
import { FOUR_ITERATIONS, runSegvit } from './helpers/cli.js';

const DEMO = fileURLToPath(new URL('../../configs/demo/synthetic-depth_dpt-tiny.json', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'segvit-cli-depth-'));
const dataRoot = join(cwd, 'synthetic_depth');

const TINY = [...tinyDepthOptions(dataRoot, 16, 4), ...FOUR_ITERATIONS];

const segvit = (...args: string[]) => runSegvit(cwd, ...args);

/** BTS's errors of one image written out plainly: gt valid in (1e-3, 10), predictions clipped to [1e-3, 10]. */
function handErrors(pred: Float32Array, gt: Float32Array): Record<string, number> {
  const pairs: [number, number][] = [];
  gt.forEach((g, i) => {
    if (g > 1e-3 && g < 10) pairs.push([Math.min(Math.max(pred[i]!, 1e-3), 10), g]);
  });
  const mean = (f: (p: number, g: number) => number) => pairs.reduce((s, [p, g]) => s + f(p, g), 0) / pairs.length;
  const ratio = (p: number, g: number) => Math.max(p / g, g / p);
  const e = (p: number, g: number) => Math.log(p) - Math.log(g);
  return {
    d1: mean((p, g) => Number(ratio(p, g) < 1.25)),
    d2: mean((p, g) => Number(ratio(p, g) < 1.25 ** 2)),
    d3: mean((p, g) => Number(ratio(p, g) < 1.25 ** 3)),
    abs_rel: mean((p, g) => Math.abs(p - g) / g),
    sq_rel: mean((p, g) => (p - g) ** 2 / g),
    rmse: Math.sqrt(mean((p, g) => (p - g) ** 2)),
    rmse_log: Math.sqrt(mean((p, g) => e(p, g) ** 2)),
    log10: mean((p, g) => Math.abs(Math.log10(p) - Math.log10(g))),
    silog: 100 * Math.sqrt(mean((p, g) => e(p, g) ** 2) - mean(e) ** 2),
  };
}

describe('segvit train, eval, predict on a depth model', function () {
  this.timeout(300000);
  const workDir = join(cwd, 'work_dirs', 'tiny-depth');

  before(() => {
    const { code, stdout, stderr } = segvit('train', DEMO, '--work-dir', 'work_dirs/tiny-depth', '--cfg-options', ...TINY);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/^finished at iteration 4 in [\d.]+ min; best abs_rel [\d.]+ at iteration 4$/m);
    expect(stderr).to.match(/^val at iter 4: d1 [\d.]+ d2 [\d.]+ d3 [\d.]+ abs_rel [\d.]+ sq_rel [\d.]+ rmse [\d.]+ rmse_log [\d.]+ log10 [\d.]+ silog [\d.]+$/m);
  });

  it('eval prints and writes the errors that the predictions and ground-truth PNGs give by hand', async () => {
    const out = join(cwd, 'eval.json');
    const { code, stdout, stderr } = segvit('eval', join(workDir, 'config.json'), workDir, '--out', out);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('depth errors (0.001 < gt < 10 m, crop none):');
    expect(stdout).to.match(/\| +d1 +\| +d2 +\| +d3 +\| +abs_rel +\| +sq_rel +\| +rmse +\| +rmse_log +\| +log10 +\| +silog +\|/);
    const reported = JSON.parse(readFileSync(out, 'utf8'));
    expect(reported.settings).to.deep.equal({ min_depth_eval: 0.001, max_depth_eval: 10, crop_type: null, align: null });

    const cfg = validateConfig(loadConfig(join(workDir, 'config.json')));
    const model = registries.segmentor.build(cfg.model!, 'model') as DepthEstimator;
    loadWeights(model, join(workDir, 'iter_4', 'model.safetensors'));
    model.eval();
    const dataset = registries.dataset.build(cfg.val_dataloader!.dataset, 'val') as BaseSegDataset;
    const perImage: Record<string, number>[] = [];
    for (let i = 0; i < dataset.length; i++) {
      const info = dataset.info(i);
      const { depth } = await predictDepthFile(model, imageTransforms(dataset.pipeline), dataset.meta, info.imgPath);
      const raw = await readDepthPng(info.depthMapPath!);
      perImage.push(handErrors(depth.data, Float32Array.from(raw.data, (v) => v / 1000)));
    }
    expect(perImage).to.have.length(4);
    for (const key of Object.keys(perImage[0]!)) {
      const expected = perImage.reduce((s, e) => s + e[key]!, 0) / perImage.length;
      expect(reported[key], key).to.be.closeTo(expected, 1e-6 * Math.max(1, expected));
    }
    model.dispose();
  });

  it('predict with no flags uses the latest work dir and writes a 16-bit depth PNG in mm and a colour PNG', async () => {
    const image = join(dataRoot, 'images', 'val', '00001.png');
    const { code, stdout, stderr } = segvit('predict', image, '--out', 'preds');
    expect(code, stderr).to.equal(0);
    expect(stderr).to.contain(`using ${join('work_dirs', 'tiny-depth', 'config.json')} and ${join('work_dirs', 'tiny-depth', 'iter_4', 'model.safetensors')}`);
    expect(stdout).to.match(/^1\/1 .*00001\.png: depth [\d.]+\.\.[\d.]+ -> .*00001_\{depth,depth_color\}\.png$/m);
    expect(readdirSync(join(cwd, 'preds')).sort()).to.deep.equal(['00001_depth.png', '00001_depth_color.png', 'depth.json']);
    expect(JSON.parse(readFileSync(join(cwd, 'preds', 'depth.json'), 'utf8')).depth_scale).to.equal(1000);

    const cfg = validateConfig(loadConfig(join(workDir, 'config.json')));
    const model = registries.segmentor.build(cfg.model!, 'model') as DepthEstimator;
    loadWeights(model, join(workDir, 'iter_4', 'model.safetensors'));
    model.eval();
    const dataset = registries.dataset.build(cfg.val_dataloader!.dataset, 'val') as BaseSegDataset;
    const { depth } = await predictDepthFile(model, imageTransforms(dataset.pipeline), dataset.meta, image);
    model.dispose();
    const png = await readDepthPng(join(cwd, 'preds', '00001_depth.png'));
    expect([png.height, png.width]).to.deep.equal([32, 64]);
    expect(Array.from(png.data)).to.deep.equal(Array.from(depth.data, (d) => Math.round(d * 1000)));
    expect(new Set(png.data).size).to.be.greaterThan(10);
    const colour = await readImage(join(cwd, 'preds', '00001_depth_color.png'));
    expect([colour.height, colour.width, colour.channels]).to.deep.equal([32, 64, 3]);
    expect(existsSync(join(cwd, 'preds', '00001_depth_color.png'))).to.equal(true);
  });
});
