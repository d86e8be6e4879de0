/**
 * train -> eval -> predict through the command line on a tiny digits setup, as a user runs them, with the eval
 * figure checked against a confusion matrix counted here from the model's own predictions.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../lib/components.js';
import { loadConfig, validateConfig } from '../lib/config/index.js';
import { registries } from '../lib/registry.js';
import { EncoderDecoder } from '../lib/segmentors/encoder-decoder.js';
import { BaseSegDataset } from '../datasets/base.js';
import { readLabelMap, readImage } from '../datasets/io.js';
import { imageTransforms, predictFile } from '../lib/engine/predict.js';
import { loadWeights } from '../lib/weights/node.js';
import { tinyDigitsOptions } from './helpers/tiny-digits.js';
import { FOUR_ITERATIONS, SEGVIT_BIN, runSegvit } from './helpers/cli.js';

const DEMO = fileURLToPath(new URL('../../configs/demo/digits_swin-nano_upernet.json', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'segvit-cli-train-'));
const dataRoot = join(cwd, 'digits');

const TINY = [...tinyDigitsOptions(dataRoot), ...FOUR_ITERATIONS];

const segvit = (...args: string[]) => runSegvit(cwd, ...args);

describe('segvit train, eval, predict', function () {
  this.timeout(300000);
  const workDir = join(cwd, 'work_dirs', 'tiny');

  before(() => {
    const { code, stdout, stderr } = segvit('train', DEMO, '--work-dir', 'work_dirs/tiny', '--cfg-options', ...TINY);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/^finished at iteration 4 in [\d.]+ min; best mIoU [\d.]+ at iteration 4$/m);
  });

  it('train leaves the config, the log, plots and checkpoints in the work dir', () => {
    for (const f of ['config.json', 'log.jsonl', 'loss.png', 'val.png', 'latest', 'best', 'iter_2', 'iter_4']) {
      expect(existsSync(join(workDir, f)), f).to.equal(true);
    }
    const log = readFileSync(join(workDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.filter((r) => r.mode === 'train').map((r) => r.iter)).to.deep.equal([1, 3]);
    expect(log.filter((r) => r.mode === 'val')).to.have.length(1);
  });

  it('eval reports the mIoU of a confusion matrix counted from the predictions', async () => {
    const out = join(cwd, 'eval.json');
    const { code, stdout, stderr } = segvit('eval', join(workDir, 'config.json'), workDir, '--out', out);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('per-class results:');
    const reported = JSON.parse(readFileSync(out, 'utf8'));

    const cfg = validateConfig(loadConfig(join(workDir, 'config.json')));
    const model = registries.segmentor.build(cfg.model!, 'model') as EncoderDecoder;
    loadWeights(model, join(workDir, 'iter_4', 'model.safetensors'));
    model.eval();
    const dataset = registries.dataset.build(cfg.val_dataloader!.dataset, 'val') as BaseSegDataset;
    const k = dataset.meta.classes.length;
    const intersect = new Array(k).fill(0);
    const union = new Array(k).fill(0);
    for (let i = 0; i < dataset.length; i++) {
      const info = dataset.info(i);
      const { label: pred } = await predictFile(model, imageTransforms(dataset.pipeline), dataset.meta, info.imgPath);
      const gt = await readLabelMap(info.segMapPath!);
      for (let p = 0; p < gt.data.length; p++) {
        const [a, b] = [pred.data[p]!, gt.data[p]!];
        if (a === b) intersect[a] += 1;
        union[a] += 1;
        if (a !== b) union[b] += 1;
      }
    }
    const ious = intersect.map((n, c) => (union[c] > 0 ? n / union[c] : NaN)).filter((v) => !Number.isNaN(v));
    const mIoU = (100 * ious.reduce((s, v) => s + v, 0)) / ious.length;
    expect(reported.mIoU).to.be.closeTo(mIoU, 0.006);
    model.dispose();
  });

  it('predict with no flags uses the latest work dir and writes label, mask, overlay and legend PNGs', async () => {
    const image = join(dataRoot, 'img_dir', 'val', '00000.png');
    const { code, stdout, stderr } = segvit('predict', image, '--out', 'preds', '--opacity', '0.7');
    expect(code, stderr).to.equal(0);
    expect(stderr).to.contain(`using ${join('work_dirs', 'tiny', 'config.json')} and ${join('work_dirs', 'tiny', 'iter_4', 'model.safetensors')}`);
    expect(stdout).to.match(/^1\/1 .*00000\.png: /m);
    const files = readdirSync(join(cwd, 'preds')).sort();
    expect(files).to.deep.equal(['00000_label.png', '00000_legend.png', '00000_mask.png', '00000_overlay.png', 'classes.json']);
    const label = await readLabelMap(join(cwd, 'preds', '00000_label.png'));
    const mask = await readImage(join(cwd, 'preds', '00000_mask.png'));
    const overlay = await readImage(join(cwd, 'preds', '00000_overlay.png'));
    expect([label.height, label.width, mask.height, mask.width, overlay.height, overlay.width]).to.deep.equal([32, 32, 32, 32, 32, 32]);
    const { palette } = JSON.parse(readFileSync(join(cwd, 'preds', 'classes.json'), 'utf8'));
    for (let p = 0; p < label.data.length; p++) {
      expect(label.data[p]).to.be.below(11);
      expect(Array.from(mask.data.subarray(p * 3, p * 3 + 3))).to.deep.equal(palette[label.data[p]!]);
    }
  });

  it('predict names a missing image and a bad opacity', () => {
    expect(segvit('predict', 'nope.png').stderr).to.equal('segvit: nope.png: no such image or folder\n');
    expect(segvit('predict', 'x.png', '--opacity', '2').stderr).to.equal('segvit: --opacity 2: must be a number in [0, 1]\n');
  });

  it('Ctrl-C saves a checkpoint and stops with exit code 130; --resume continues from it', async () => {
    const args = [SEGVIT_BIN, 'train', DEMO, '--work-dir', 'work_dirs/interrupted', '--cfg-options', ...TINY, 'train_cfg.max_iters=500', 'default_hooks.logger.interval=1', 'train_cfg.val_interval=1000'];
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, SEGVIT_BACKEND: 'wasm' } });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/iter 3\/500/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', resolve); // after the output streams are drained
    });
    expect(code, stderr).to.equal(130);
    const stopped = Number(/^stopped at iteration (\d+)/m.exec(stdout)?.[1]);
    expect(stopped).to.be.within(3, 499);
    expect(stderr).to.contain(`saved ${join('work_dirs', 'interrupted', `iter_${stopped}`)} after Ctrl-C`);
    const resumed = segvit('train', DEMO, '--work-dir', 'work_dirs/interrupted', '--resume', '--cfg-options', ...TINY, `train_cfg.max_iters=${stopped + 2}`);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(resumed.stderr).to.contain(`resumed from ${join('work_dirs', 'interrupted', `iter_${stopped}`)} at iteration ${stopped}`);
    expect(resumed.stdout).to.match(new RegExp(`^finished at iteration ${stopped + 2} `, 'm'));
  });
});
