/** Depth losses against hand computations: MiDaS's scale-and-shift-invariant loss, BTS's SILog, masked L1. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { L1Loss } from '../../lib/losses/l1.js';
import { ScaleShiftInvariantLoss } from '../../lib/losses/scale-shift-invariant.js';
import { SiLogLoss } from '../../lib/losses/silog.js';
import { robustNormalize, scaleAndShift } from '../../lib/losses/ssi-alignment.js';
import type { DepthLoss } from '../../lib/losses/types.js';
import { registries } from '../../lib/registry.js';
import { Rng } from '../../lib/random.js';
import '../../lib/losses/index.js';

const value = (loss: DepthLoss, pred: tf.Tensor, target: tf.Tensor): number =>
  tf.tidy(() => loss.forward(pred, target).dataSync()[0]!);

/** dLoss/dpred, read out. */
function gradient(loss: DepthLoss, pred: tf.Tensor3D, target: tf.Tensor3D): Float32Array {
  return tf.tidy(() => tf.grad((p) => loss.forward(p, target))(pred).dataSync() as Float32Array);
}

/** A [b, h, w] map of uniform values in [lo, hi). */
function randomMap(rng: Rng, shape: [number, number, number], lo: number, hi: number): tf.Tensor3D {
  return tf.tensor3d(Array.from({ length: shape[0] * shape[1] * shape[2] }, () => lo + (hi - lo) * rng.uniform()), shape);
}

describe('ScaleShiftInvariantLoss', () => {
  /**
   * One 2×2 image: prediction d = [[1, 2], [3, 4]], target depth [[1/2, 1/3], [1/7, 0]] → inverse d* = [2, 3, 7]
   * on the three valid pixels (the 0 has no ground truth). Normal equations: a00 = Σd² = 14, a01 = Σd = 6,
   * a11 = M = 3, b0 = Σd·d* = 29, b1 = Σd* = 12, det = 14·3 − 6² = 6 → s = (3·29 − 6·12)/6 = 2.5,
   * t = (14·12 − 6·29)/6 = −1. Aligned: 1.5, 4, 6.5; residuals −0.5, 1, −0.5; Σr² = 1.5; L = 1.5 / (2·3) = 0.25.
   * Gradient matching, level 0: residual map [[−0.5, 1], [−0.5, ·]]: |∇x| on the top row = 1.5, |∇y| on the
   * left column = 0, every other pair touches the invalid pixel → 1.5 / 3 = 0.5; levels 1-3 are 1×1: 0.
   */
  const pred = () => tf.tensor3d([1, 2, 3, 4], [1, 2, 2]);
  const target = () => tf.tensor3d([1 / 2, 1 / 3, 1 / 7, 0], [1, 2, 2]);

  it('solves the per-image scale and shift of the 2×2 normal equations', () => {
    const { scale, shift } = tf.tidy(() => {
      const r = scaleAndShift(tf.tensor2d([[1, 2, 3, 4]]), tf.tensor2d([[2, 3, 7, 0]]), tf.tensor2d([[1, 1, 1, 0]]));
      return { scale: r.scale.dataSync()[0]!, shift: r.shift.dataSync()[0]! };
    });
    expect(scale).to.be.closeTo(2.5, 1e-6);
    expect(shift).to.be.closeTo(-1, 1e-6);
  });

  it('equals the hand-computed data term (Σr² / 2M) in inverse depth', () => {
    expect(value(new ScaleShiftInvariantLoss({ alpha: 0 }), pred(), target())).to.be.closeTo(0.25, 1e-6);
  });

  it('adds alpha × the multi-scale gradient-matching term', () => {
    expect(value(new ScaleShiftInvariantLoss(), pred(), target())).to.be.closeTo(0.25 + 0.5 * 0.5, 1e-6);
    expect(value(new ScaleShiftInvariantLoss({ alpha: 2, scales: 1 }), pred(), target())).to.be.closeTo(1.25, 1e-6);
  });

  it('compares depth itself without inverse_depth, and accepts [B, H, W, 1]', () => {
    const loss = new ScaleShiftInvariantLoss({ alpha: 0, inverse_depth: false });
    const depth = tf.tensor4d([2, 3, 7, 0], [1, 2, 2, 1]);
    expect(value(loss, tf.reshape(pred(), [1, 2, 2, 1]), depth)).to.be.closeTo(0.25, 1e-6);
  });

  it('is invariant to the scale and shift of the prediction, per image', () => {
    const rng = new Rng(3);
    const p = randomMap(rng, [2, 8, 12], 0.1, 2);
    const t = randomMap(rng, [2, 8, 12], 1, 10);
    const affine = tf.concat([tf.add(tf.mul(tf.slice(p, 0, 1), 3), 5), tf.sub(tf.mul(tf.slice(p, 1, 1), 0.2), 1)]) as tf.Tensor3D;
    for (const trimmed of [false, true]) {
      const loss = new ScaleShiftInvariantLoss({ trimmed });
      expect(value(loss, affine, t), `trimmed ${trimmed}`).to.be.closeTo(value(loss, p, t), 1e-5);
      expect(value(loss, p, t)).to.be.above(0.01);
    }
  });

  it('is 0 for a prediction affine in the inverse ground truth', () => {
    const rng = new Rng(4);
    const depth = randomMap(rng, [2, 8, 12], 1, 10);
    const p = tf.add(tf.mul(tf.div(1, depth), 7), 0.3) as tf.Tensor3D;
    expect(value(new ScaleShiftInvariantLoss(), p, depth)).to.be.below(1e-6);
    expect(value(new ScaleShiftInvariantLoss({ trimmed: true }), p, depth)).to.be.below(1e-5);
  });

  it('ignores pixels without ground truth (0, NaN, ∞), whatever is predicted there', () => {
    const rng = new Rng(5);
    const p = randomMap(rng, [1, 6, 6], 0.1, 2);
    const holes = Array.from({ length: 36 }, (_, i) => i % 5 === 0);
    const depth = randomMap(rng, [1, 6, 6], 1, 10).arraySync()[0]!.flat();
    const invalid = [0, NaN, Infinity];
    const t = tf.tensor3d(depth.map((d, i) => (holes[i] ? invalid[i % 3]! : d)), [1, 6, 6]);
    const other = tf.tensor3d(p.arraySync()[0]!.flat().map((v, i) => (holes[i] ? 1000 + v : v)), [1, 6, 6]);
    for (const loss of [new ScaleShiftInvariantLoss(), new ScaleShiftInvariantLoss({ trimmed: true }), new SiLogLoss(), new L1Loss()]) {
      const a = value(loss, p, t);
      expect(Number.isFinite(a), loss.lossName).to.equal(true);
      expect(value(loss, other, t), loss.lossName).to.be.closeTo(a, 1e-5);
      const g = gradient(loss, p, t);
      expect(g.every(Number.isFinite), loss.lossName).to.equal(true);
      expect(g.filter((_, i) => holes[i]).every((x) => x === 0), `${loss.lossName}: no gradient into holes`).to.equal(true);
    }
  });

  it('trimmed: median / mean-absolute-deviation alignment, drops the largest 20% residuals', () => {
    // pred [0, 1, 2, 3, 10] → median 2, MAD (2+1+0+1+8)/5 = 2.4; target [0, 2, 4, 6, 8] (inverse_depth off) →
    // median 4, MAD 2.4. |residuals|·2.4 = [2, 1, 0, 1, 4]; keep ⌊0.8·5⌋ = 4 → (4/2.4) / (2·5) = 1/6.
    // A sixth pixel has no ground truth (its prediction 100 must not move the median).
    const loss = new ScaleShiftInvariantLoss({ trimmed: true, inverse_depth: false, alpha: 0 });
    const p = tf.tensor3d([0, 1, 2, 3, 10, 100], [1, 1, 6]);
    const t = tf.tensor3d([1e-9, 2, 4, 6, 8, 0], [1, 1, 6]);
    expect(value(loss, p, t)).to.be.closeTo(1 / 6, 1e-6);
  });

  it("robust normalisation takes torch.median's lower median of an even count", () => {
    const out = tf.tidy(() => robustNormalize(tf.tensor2d([[4, 1, 3, 2]]), tf.ones([1, 4])).dataSync());
    expect(Array.from(out)).to.deep.equal([2, -1, 1, 0]); // median 2, MAD (1+0+1+2)/4 = 1
  });

  it('falls back to scale = shift = 0 when the determinant is not > 0 (constant prediction, one pixel)', () => {
    const t = tf.tensor3d([0.5, 0.25, 0.2, 0.1], [1, 2, 2]); // inverse 2, 4, 5, 10
    const constant = tf.fill([1, 2, 2], 0.3) as tf.Tensor3D;
    // aligned = 0 → Σ d*² / 2M = (4 + 16 + 25 + 100) / 8
    expect(value(new ScaleShiftInvariantLoss({ alpha: 0 }), constant, t)).to.be.closeTo(145 / 8, 1e-4);
    expect(gradient(new ScaleShiftInvariantLoss(), constant, t).every(Number.isFinite)).to.equal(true);
    const single = tf.tensor3d([0.5, 0, 0, 0], [1, 2, 2]);
    expect(value(new ScaleShiftInvariantLoss({ alpha: 0 }), pred(), single)).to.be.closeTo(4 / 2, 1e-6);
    expect(value(new ScaleShiftInvariantLoss(), pred(), tf.zeros([1, 2, 2]))).to.equal(0);
    expect(value(new ScaleShiftInvariantLoss({ trimmed: true }), pred(), tf.zeros([1, 2, 2]))).to.equal(0);
    // a single row: no vertical neighbours at any level
    const row = value(new ScaleShiftInvariantLoss({ scales: 3 }), tf.tensor3d([[[1, 2, 3]]]), tf.tensor3d([[[1, 1 / 2, 1 / 3]]]));
    expect(row).to.be.closeTo(0, 1e-6);
  });

  it('has the gradient of central differences (least squares and trimmed)', () => {
    const rng = new Rng(6);
    const p = randomMap(rng, [1, 4, 5], 0.2, 2);
    const t = randomMap(rng, [1, 4, 5], 1, 8);
    for (const trimmed of [false, true]) {
      const loss = new ScaleShiftInvariantLoss({ trimmed });
      const analytic = gradient(loss, p, t);
      const base = p.dataSync();
      const h = 1e-3;
      for (const i of [0, 7, 13, 19]) {
        const at = (delta: number) => {
          const moved = Float32Array.from(base);
          moved[i] += delta;
          return value(loss, tf.tensor3d(moved, [1, 4, 5]), t);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(analytic[i], `trimmed ${trimmed}, pixel ${i}`).to.be.closeTo(numeric, 2e-3 + 0.02 * Math.abs(numeric));
      }
    }
  });

  it('is registered with its options and rejects a bad trim', () => {
    const loss = registries.loss.build({ type: 'ScaleShiftInvariantLoss', trimmed: true, alpha: 0 }, 'loss');
    expect(loss).to.be.instanceOf(ScaleShiftInvariantLoss);
    expect(loss).to.deep.include({ trimmed: true, trim: 0.2, alpha: 0, scales: 4, inverseDepth: true, lossName: 'loss_ssi' });
    expect(() => registries.loss.build({ type: 'ScaleShiftInvariantLoss', trim: 1 }, 'loss')).to.throw('loss.trim');
  });

  it('names mismatched shapes', () => {
    expect(() => new ScaleShiftInvariantLoss().forward(tf.zeros([1, 2, 3]), tf.zeros([1, 2, 2]))).to.throw(
      'depth prediction [1, 2, 3] and target [1, 2, 2] differ',
    );
    expect(() => new L1Loss().forward(tf.zeros([1, 2, 2, 3]), tf.zeros([1, 2, 2]))).to.throw(
      'depth prediction must be [B, H, W] or [B, H, W, 1], got [1, 2, 2, 3]',
    );
  });

  it('leaks no tensors', () => {
    const p = tf.keep(tf.ones([1, 4, 4]) as tf.Tensor3D);
    const t = tf.keep(tf.fill([1, 4, 4], 2) as tf.Tensor3D);
    const before = tf.memory().numTensors;
    for (const loss of [new ScaleShiftInvariantLoss(), new ScaleShiftInvariantLoss({ trimmed: true })]) {
      tf.tidy(() => {
        loss.forward(p, t);
      });
      gradient(loss, p, t);
    }
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([p, t]);
  });
});

describe('SiLogLoss (BTS)', () => {
  /** pred [2, 1, 4, ·], gt [1, 2, 2, 0]: e = ln 2, −ln 2, ln 2; mean e² = ln²2, mean e = ln2 / 3. */
  it('equals 10·sqrt(mean e² − 0.85·(mean e)²) over the valid pixels of the batch', () => {
    const l = Math.LN2;
    const expected = 10 * Math.sqrt(l * l - 0.85 * (l / 3) ** 2);
    const p = tf.tensor3d([2, 1, 4, 9, 3, 3], [2, 1, 3]);
    const t = tf.tensor3d([1, 2, 2, 0, 3, 3], [2, 1, 3]);
    // batch-wide: e = [ln2, −ln2, ln2, ·, 0, 0] → mean e² = 3ln²2/5, mean e = ln2/5
    const batch = 10 * Math.sqrt((3 * l * l) / 5 - 0.85 * (l / 5) ** 2);
    expect(value(new SiLogLoss(), tf.slice(p, 0, 1), tf.slice(t, 0, 1))).to.be.closeTo(expected, 1e-5);
    expect(value(new SiLogLoss(), p, t)).to.be.closeTo(batch, 1e-5);
    expect(value(new SiLogLoss({ variance_focus: 1, loss_weight: 0.5 }), tf.slice(p, 0, 1), tf.slice(t, 0, 1))).to.be.closeTo(
      5 * Math.sqrt(l * l - (l / 3) ** 2),
      1e-5,
    );
  });

  it('drops targets at or below min_depth (BTS masks gt > 0.1 on NYU)', () => {
    const p = tf.tensor3d([2, 1, 4, 0.05], [1, 1, 4]);
    const t = tf.tensor3d([1, 2, 2, 0.08], [1, 1, 4]);
    const l = Math.LN2;
    expect(value(new SiLogLoss({ min_depth: 0.1 }), p, t)).to.be.closeTo(10 * Math.sqrt(l * l - 0.85 * (l / 3) ** 2), 1e-5);
  });

  it('has finite gradients that match the derivative, even for a perfect or a zero prediction', () => {
    const t = tf.tensor3d([1, 2, 2, 5], [1, 1, 4]);
    const p = tf.tensor3d([2, 1, 4, 5], [1, 1, 4]);
    // dL/dp_i = 10 / (2L/10) · (2e_i/n − 2λ·ē/n) / p_i with n = 4
    const e = [Math.LN2, -Math.LN2, Math.LN2, 0];
    const mean = e.reduce((a, b) => a + b) / 4;
    const variance = e.reduce((a, b) => a + b * b, 0) / 4 - 0.85 * mean * mean;
    const expected = e.map((ei, i) => ((10 / (2 * Math.sqrt(variance))) * ((2 * ei) / 4 - (2 * 0.85 * mean) / 4)) / [2, 1, 4, 5][i]!);
    const g = gradient(new SiLogLoss(), p, t);
    g.forEach((gi, i) => expect(gi).to.be.closeTo(expected[i]!, 1e-4));
    const perfect = tf.tensor3d(t.dataSync(), [1, 1, 4]);
    expect(gradient(new SiLogLoss(), perfect, t).every(Number.isFinite)).to.equal(true);
    expect(value(new SiLogLoss(), perfect, t)).to.be.below(1e-4);
    expect(gradient(new SiLogLoss(), tf.zeros([1, 1, 4]), t).every(Number.isFinite)).to.equal(true);
    expect(value(new SiLogLoss(), p, tf.zeros([1, 1, 4]))).to.equal(0);
  });

  it('is registered with variance_focus', () => {
    const loss = registries.loss.build({ type: 'SiLogLoss', variance_focus: 0.5 }, 'loss');
    expect(loss).to.deep.include({ varianceFocus: 0.5, lossName: 'loss_silog', minDepth: 0 });
  });
});

describe('L1Loss (depth)', () => {
  it('averages |pred − gt| over the pixels with ground truth; gradient ±1/M', () => {
    const p = tf.tensor3d([1, 5, 2, 9], [1, 2, 2]);
    const t = tf.tensor3d([2, 3, 0, 8], [1, 2, 2]);
    expect(value(new L1Loss(), p, t)).to.be.closeTo((1 + 2 + 1) / 3, 1e-6);
    expect(value(new L1Loss({ loss_weight: 3 }), p, t)).to.be.closeTo(4, 1e-6);
    expect(Array.from(gradient(new L1Loss(), p, t))).to.deep.equal([-1 / 3, 1 / 3, 0, 1 / 3].map(Math.fround));
    expect(registries.loss.build({ type: 'L1Loss' }, 'loss')).to.deep.include({ lossName: 'loss_l1', lossWeight: 1 });
  });
});
