/**
 * The depth metrics (and the scale-and-shift alignment) on real data: the Middlebury 2014 Motorcycle ground
 * truth, dense disparity converted to depth with its calibration, depth = baseline · f / (disparity + doffs).
 * tools/fetch-middlebury-motorcycle.sh fetches it from Debian's python3-skimage (no network at test time: absent
 * files make these tests pending) and writes a numpy reference of every metric on a perturbed prediction.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImage } from '../../datasets/io.js';
import { ScaleShiftInvariantLoss } from '../../lib/losses/scale-shift-invariant.js';
import { scaleAndShift } from '../../lib/losses/ssi-alignment.js';
import { DEPTH_METRICS, depthErrors, type DepthCrop, type DepthErrors, type DepthImage } from '../../lib/metrics/depth.js';
import { inverseDepthFit } from '../../lib/metrics/depth-align.js';
import { DepthMetric } from '../../lib/metrics/depth-metric.js';
import { downloadOrSkip, MIDDLEBURY_ROOT } from '../fixtures.js';
import { parseNpy } from '../../datasets/medical/npy.js';
import { readNpz } from '../../datasets/medical/npz.js';

const HOW_TO = 'run tools/fetch-middlebury-motorcycle.sh (apt-get download python3-skimage, no root) or set SEGVIT_MIDDLEBURY';
const DATA = ['motorcycle_disp.npz', 'calib.txt', 'motorcycle_left.png'];
const REFERENCE = ['pred_perturbed.npy', 'reference_metrics.json'];
const [HEIGHT, WIDTH] = [500, 741];
const EVAL = { minDepth: 1e-3, maxDepth: 10 };

interface Calibration {
  focal: number;
  cx: number;
  doffs: number;
  /** Millimetres. */
  baseline: number;
}

/** Middlebury's calib.txt: `cam0=[f 0 cx; 0 f cy; 0 0 1]`, `doffs=...`, `baseline=...` (mm). */
function readCalibration(path: string): Calibration {
  const text = readFileSync(path, 'utf8');
  const cam0 = /cam0=\[([^\]]*)\]/.exec(text)![1]!.replace(/;/g, ' ').trim().split(/\s+/).map(Number);
  const value = (key: string) => Number(new RegExp(`^${key}=([0-9.eE+-]+)`, 'm').exec(text)![1]);
  return { focal: cam0[0]!, cx: cam0[2]!, doffs: value('doffs'), baseline: value('baseline') };
}

/** Disparity (px, +∞ = none) and depth in metres (0 = none), computed as the numpy reference does. */
function groundTruth(dir: string): { disparity: Float32Array; depth: DepthImage; calib: Calibration } {
  const { arr_0: disp } = readNpz(join(dir, 'motorcycle_disp.npz'));
  expect(disp!.shape).to.deep.equal([HEIGHT, WIDTH]);
  const calib = readCalibration(join(dir, 'calib.txt'));
  const disparity = disp!.data as Float32Array;
  const depth = Float32Array.from(disparity, (d) =>
    Number.isFinite(d) ? (calib.baseline * calib.focal) / (d + calib.doffs) / 1000 : 0,
  );
  return { disparity, depth: { data: depth, height: HEIGHT, width: WIDTH }, calib };
}

const scaled = (gt: DepthImage, factor: number): DepthImage => ({ ...gt, data: gt.data.map((d) => d * factor) });

describe('depth metrics on the Middlebury Motorcycle ground truth', function () {
  this.timeout(60000);
  let gt: ReturnType<typeof groundTruth>;
  const load = (context: Mocha.Context) => {
    gt ??= groundTruth(downloadOrSkip(context, MIDDLEBURY_ROOT, DATA, HOW_TO));
    return gt;
  };

  it('converts the dense disparity to depth: 343,274 pixels with ground truth, 2.1-5.0 m', async function () {
    const { disparity, depth, calib } = load(this);
    expect(calib).to.deep.equal({ focal: 994.978, cx: 311.193, doffs: 31.086, baseline: 193.001 });
    const valid = depth.data.filter((d) => d > 0);
    expect(valid.length).to.equal(HEIGHT * WIDTH - disparity.filter((d) => !Number.isFinite(d)).length);
    expect(valid.length).to.equal(343274);
    const finite = disparity.filter(Number.isFinite);
    const [minOf, maxOf] = [(xs: Float32Array) => xs.reduce((a, b) => Math.min(a, b)), (xs: Float32Array) => xs.reduce((a, b) => Math.max(a, b))];
    const bf = (calib.baseline * calib.focal) / 1000;
    expect(minOf(valid)).to.be.closeTo(bf / (maxOf(finite) + calib.doffs), 1e-6);
    expect(maxOf(valid)).to.be.closeTo(bf / (minOf(finite) + calib.doffs), 1e-6);
    expect([minOf(valid), maxOf(valid)].map((d) => Math.round(d * 10) / 10)).to.deep.equal([2.1, 5]);
    const left = await readImage(join(MIDDLEBURY_ROOT, 'motorcycle_left.png'));
    expect([left.height, left.width]).to.deep.equal([HEIGHT, WIDTH]);
  });

  it('gives the hand values of a prediction 1.1 × the ground truth', function () {
    const { depth } = load(this);
    const g = Array.from(depth.data.filter((d) => d > 0));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const e = depthErrors(scaled(depth, 1.1), depth, { ...EVAL, crop: null });
    // |p − g| / g = 0.1; (p − g)² / g = 0.01 g; (p − g)² = 0.01 g²; log ratio ln 1.1 everywhere, so silog 0
    expect(e.abs_rel).to.be.closeTo(0.1, 1e-6);
    expect(e.sq_rel).to.be.closeTo(0.01 * mean(g), 1e-6);
    expect(e.rmse).to.be.closeTo(0.1 * Math.sqrt(mean(g.map((x) => x * x))), 1e-6);
    expect(e.rmse_log).to.be.closeTo(Math.log(1.1), 1e-6);
    expect(e.log10).to.be.closeTo(Math.log10(1.1), 1e-6);
    expect(e.silog).to.be.closeTo(0, 1e-3);
    expect([e.d1, e.d2, e.d3]).to.deep.equal([1, 1, 1]);
    // 1.3 > 1.25 but < 1.25²: δ1 = 0, δ2 = 1, whichever way the error goes
    for (const factor of [1.3, 1 / 1.3]) {
      const f = depthErrors(scaled(depth, factor), depth, { ...EVAL, crop: null });
      expect([f.d1, f.d2, f.d3], `× ${factor}`).to.deep.equal([0, 1, 1]);
    }
  });

  it('equals the numpy reference on a perturbed prediction (no crop, garg_crop, eigen_crop)', function () {
    const { depth } = load(this);
    const dir = downloadOrSkip(this, MIDDLEBURY_ROOT, REFERENCE, `the numpy reference is missing: ${HOW_TO}`);
    const path = join(dir, 'pred_perturbed.npy');
    const pred = parseNpy(readFileSync(path), path);
    expect(pred.shape).to.deep.equal([HEIGHT, WIDTH]);
    const reference = JSON.parse(readFileSync(join(dir, 'reference_metrics.json'), 'utf8')) as {
      valid_pixels: number;
      metrics: Record<string, DepthErrors>;
    };
    expect(reference.valid_pixels).to.equal(343274);
    const prediction: DepthImage = { data: pred.data as Float32Array, height: HEIGHT, width: WIDTH };
    for (const crop of ['none', 'garg_crop', 'eigen_crop']) {
      const metric = new DepthMetric({ min_depth_eval: 1e-3, max_depth_eval: 10, crop_type: crop === 'none' ? null : (crop as DepthCrop) });
      metric.process(prediction, depth);
      const ours = metric.compute();
      for (const key of DEPTH_METRICS) {
        const expected = reference.metrics[crop]![key];
        expect(ours[key], `${crop} ${key}`).to.be.closeTo(expected, 1e-9 * Math.max(1, Math.abs(expected)));
      }
    }
  });

  it('aligns the disparity to inverse depth with scale 1000 / (b·f) and shift doffs · 1000 / (b·f): SSI loss 0', function () {
    const { disparity, depth, calib } = load(this);
    const bf = (calib.baseline * calib.focal) / 1000;
    const disp = disparity.map((d) => (Number.isFinite(d) ? d : 0));
    const [scale, shift, loss] = tf.tidy((): [number, number, number[]] => {
      const pred = tf.tensor2d(disp, [1, HEIGHT * WIDTH]);
      const target = tf.tensor2d(depth.data, [1, HEIGHT * WIDTH]);
      const valid = tf.cast(tf.greater(target, 0), 'float32') as tf.Tensor2D;
      const inverse = tf.div(valid, tf.add(target, tf.sub(1, valid))) as tf.Tensor2D;
      const fit = scaleAndShift(pred, inverse, valid);
      const [p, t] = [tf.reshape(pred, [1, HEIGHT, WIDTH]), tf.reshape(target, [1, HEIGHT, WIDTH])];
      const ssi = [0, 0.5].map((alpha) => new ScaleShiftInvariantLoss({ alpha }).forward(p, t).dataSync()[0]!);
      return [fit.scale.dataSync()[0]!, fit.shift.dataSync()[0]!, ssi];
    });
    // float32 sums over 343k pixels: wasm adds sequentially (measured 8e-5 relative), cpu 5e-8
    expect(scale).to.be.closeTo(1 / bf, 2e-4 / bf);
    expect(shift).to.be.closeTo(calib.doffs / bf, 2e-4 * (calib.doffs / bf));
    // against Σd*²/2M ≈ 0.05 of an unaligned prediction: float32 noise (measured 5e-11 without gradient matching,
    // 1.3e-6 with it on wasm: that term is linear in the residuals)
    expect(loss[0]).to.be.below(1e-9);
    expect(loss[1]).to.be.below(1e-5);
  });

  it("DepthMetric align 'scale_shift' evaluates the raw disparity as the ground-truth depth (MiDaS / DPT evaluation)", function () {
    const { disparity, depth, calib } = load(this);
    const bf = (calib.baseline * calib.focal) / 1000;
    const raw: DepthImage = { data: disparity.map((d) => (Number.isFinite(d) ? d : 0)), height: HEIGHT, width: WIDTH };
    // 1 / depth = (d + doffs) / (b·f): the fit is exact, in float64
    const fit = inverseDepthFit(raw, depth, { ...EVAL, crop: null });
    expect(fit.scale).to.be.closeTo(1 / bf, 1e-7 / bf);
    expect(fit.shift).to.be.closeTo(calib.doffs / bf, 1e-7 * (calib.doffs / bf));
    const metric = new DepthMetric({ min_depth_eval: 1e-3, max_depth_eval: 10, align: 'scale_shift' });
    metric.process(raw, depth);
    const errors = metric.compute();
    expect([errors.d1, errors.d2, errors.d3]).to.deep.equal([1, 1, 1]);
    expect(errors.abs_rel).to.be.below(1e-6);
    expect(errors.rmse).to.be.below(1e-5);
    // unaligned, the disparity (tens of px) is no depth at all
    const plain = new DepthMetric({ min_depth_eval: 1e-3, max_depth_eval: 10 });
    plain.process(raw, depth);
    expect(plain.compute().d1).to.equal(0);
  });
});
