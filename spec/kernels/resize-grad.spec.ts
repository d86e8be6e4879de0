/**
 * segvit's gradients of ResizeBilinear and ResizeNearestNeighbor (lib/kernels/resize-grad.ts), on cpu and wasm:
 * (a) equal to an exact scatter adjoint written here, independently of the matrices the gradient builds;
 * (b) equal to finite differences of the backend's own forward kernel;
 * (c) right through nn.interpolate inside a small conv model, and without leaking tensors;
 * (d) registered over tfjs's own gradients, whatever registered last.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig } from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import * as nn from '../../lib/nn/index.js';
import { manualSeed } from '../../lib/random.js';
import { registerKernels } from '../../lib/kernels/index.js';
import { resizeBilinearGradConfig, resizeNearestNeighborGradConfig } from '../../lib/kernels/resize-grad.js';
import { maxAbs, maxAbsDiff, onBackend } from '../helpers/backends.js';
import { relativeGradError } from '../helpers/gradcheck.js';

type Mode = 'bilinear' | 'nearest';

interface Attrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

const BACKENDS = ['cpu', 'wasm'];

/** tfjs rejects alignCorners together with halfPixelCenters, for both modes. */
const ATTRS: Attrs[] = [
  { alignCorners: false, halfPixelCenters: false },
  { alignCorners: true, halfPixelCenters: false },
  { alignCorners: false, halfPixelCenters: true },
];

interface Size {
  name: string;
  /** x: [B, H, W, C] */
  x: number[];
  /** output [H, W] */
  size: [number, number];
}

const SIZES: Size[] = [
  { name: 'up, non-square', x: [2, 5, 7, 3], size: [8, 11] },
  { name: 'x4 up', x: [2, 3, 4, 2], size: [12, 16] },
  { name: 'down', x: [2, 9, 13, 3], size: [4, 6] },
  { name: 'rows up, columns down', x: [3, 4, 13, 2], size: [9, 5] },
];

/**
 * Sizes where a source coordinate is an integer in float64 but not in float32 (or the reverse), so cpu's
 * nearest-neighbour kernel (float64) and wasm's (float32) pick different pixels: 26 -> 22 row 11 reads row 13
 * on cpu, row 12 on wasm.
 */
function boundarySize({ alignCorners, halfPixelCenters }: Attrs): Size {
  if (alignCorners) return { name: '14x16 -> 23x23 (float32 boundary)', x: [2, 14, 16, 2], size: [23, 23] };
  if (halfPixelCenters) return { name: '14x5 -> 23x7 (float32 boundary)', x: [2, 14, 5, 2], size: [23, 7] };
  return { name: '26x2 -> 22x82 (float32 boundary)', x: [1, 26, 2, 2], size: [22, 82] };
}

function resize(x: tf.Tensor, size: [number, number], mode: Mode, a: Attrs): tf.Tensor4D {
  const images = x as tf.Tensor4D;
  return mode === 'bilinear'
    ? tf.image.resizeBilinear(images, size, a.alignCorners, a.halfPixelCenters)
    : tf.image.resizeNearestNeighbor(images, size, a.alignCorners, a.halfPixelCenters);
}

/**
 * The pixels output index o reads along one axis, with their weights, by the rules of tfjs's cpu kernels
 * (float64 arithmetic) or of wasm's C++ one (scales and coordinates rounded to float32).
 */
function taps(inSize: number, outSize: number, o: number, mode: Mode, a: Attrs, float32: boolean): [number, number][] {
  const f32 = (v: number) => (float32 ? Math.fround(v) : v);
  const ratio = f32(a.alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize);
  if (mode === 'nearest') {
    const s = f32(a.halfPixelCenters ? ratio * (o + 0.5) : ratio * o);
    const i = Math.min(inSize - 1, a.alignCorners ? Math.round(s) : Math.floor(s));
    return [[a.halfPixelCenters ? Math.max(0, i) : i, 1]];
  }
  const s = a.halfPixelCenters ? f32(f32(ratio * (o + 0.5)) - 0.5) : f32(ratio * o);
  const frac = s - Math.floor(s);
  return [
    [Math.max(0, Math.floor(s)), 1 - frac],
    [Math.min(inSize - 1, Math.ceil(s)), frac],
  ];
}

/** dx of a resize, in float64: each dy[b, r, s, c] added to the input pixels (r, s) read, times their weights. */
function scatterAdjoint(dy: tf.Tensor4D, xShape: number[], mode: Mode, a: Attrs, float32: boolean): Float64Array {
  const [batch, inH, inW, depth] = xShape;
  const [, outH, outW] = dy.shape;
  const g = dy.dataSync();
  const dx = new Float64Array(batch * inH * inW * depth);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      for (let s = 0; s < outW; s++) {
        const from = ((b * outH + r) * outW + s) * depth;
        for (const [i, wi] of taps(inH, outH, r, mode, a, float32)) {
          for (const [j, wj] of taps(inW, outW, s, mode, a, float32)) {
            const to = ((b * inH + i) * inW + j) * depth;
            for (let c = 0; c < depth; c++) dx[to + c] += wi * wj * g[from + c];
          }
        }
      }
    }
  }
  return dx;
}

/** max |tf.grad - scatter| / max |scatter| for L = Σ resize(x)·g, on the active backend. */
function errorAgainstScatter({ x: shape, size }: Size, mode: Mode, a: Attrs, float32: boolean): number {
  return tf.tidy(() => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
    const g = tf.randomNormal([shape[0], ...size, shape[3]], 0, 1, 'float32', 4) as tf.Tensor4D;
    const dx = tf.grad((t) => tf.sum(tf.mul(resize(t, size, mode, a), g)))(x).dataSync();
    const reference = scatterAdjoint(g, shape, mode, a, float32);
    return maxAbsDiff(dx, reference) / maxAbs(reference);
  });
}

const label = (mode: Mode, a: Attrs) =>
  `${mode}${a.alignCorners ? ' align corners' : ''}${a.halfPixelCenters ? ' half-pixel' : ''}` +
  `${!a.alignCorners && !a.halfPixelCenters ? ' legacy' : ''}`;

for (const backend of BACKENDS) {
  describe(`resize gradients on ${backend}`, () => {
    for (const mode of ['bilinear', 'nearest'] as const) {
      for (const a of ATTRS) {
        for (const s of [...SIZES, boundarySize(a)]) {
          it(`${label(mode, a)}, ${s.name}: equals the scatter adjoint and finite differences`, async () => {
            const { scatter, numeric } = await onBackend(backend, () => ({
              scatter: errorAgainstScatter(s, mode, a, backend !== 'cpu'),
              numeric: relativeGradError((x) => resize(x, s.size, mode, a), s.x),
            }));
            expect(scatter, 'against the scatter adjoint').to.be.at.most(1e-5);
            expect(numeric, 'against finite differences').to.be.below(1e-4);
          });
        }
      }
    }
  });
}

describe('resize gradients follow each backend’s coordinate arithmetic', () => {
  for (const a of ATTRS) {
    const s = boundarySize(a);
    it(`nearest ${label('nearest', a)}, ${s.name}: cpu's and wasm's forwards pick different pixels`, async () => {
      const pixels = s.x.reduce((p, q) => p * q);
      const run = () => tf.tidy(() => resize(tf.reshape(tf.range(0, pixels), s.x), s.size, 'nearest', a).dataSync());
      const cpu = await onBackend('cpu', run);
      const wasm = await onBackend('wasm', run);
      expect(maxAbsDiff(cpu, wasm)).to.be.greaterThan(0);
    });
  }
});

/** conv -> bilinear up -> conv -> nearest down -> bilinear (align corners) up: x [2, 5, 6, 3] -> [2, 9, 13, 2]. */
interface SmallModel {
  forward: (x: tf.Tensor) => tf.Tensor;
  first: nn.Conv2d;
  params: tf.Variable[];
  dispose: () => void;
}

function smallModel(): SmallModel {
  manualSeed(5);
  const first = new nn.Conv2d(3, 4, 3, { padding: 1 });
  const second = new nn.Conv2d(4, 2, 1);
  const forward = (x: tf.Tensor) => {
    const up = nn.interpolate(first.forward(x) as tf.Tensor4D, { size: [11, 9] });
    const down = nn.interpolate(second.forward(up) as tf.Tensor4D, { size: [4, 7], mode: 'nearest' });
    return nn.interpolate(down, { size: [9, 13], alignCorners: true });
  };
  const params = [first, second].flatMap((m) => m.trainableParameters().map(([, v]) => v));
  return { forward, first, params, dispose: () => [first, second].forEach((m) => m.dispose()) };
}

/** max |analytic - numeric| / max |analytic| of dL/dw for L = Σ f()·g, w a variable f is linear in. */
function variableGradError(f: () => tf.Tensor, w: tf.Variable): number {
  return tf.tidy(() => {
    const g = tf.randomNormal(f().shape, 0, 1, 'float32', 9);
    const loss = () => tf.sum(tf.mul(f(), g)) as tf.Scalar;
    const analytic = tf.variableGrads(loss, [w]).grads[w.name].dataSync();
    const base = w.dataSync().slice();
    const at = (i: number, delta: number) => {
      const values = base.slice();
      values[i] += delta;
      w.assign(tf.tensor(values, w.shape));
      return loss().dataSync()[0];
    };
    const eps = 0.5;
    let err = 0;
    for (let i = 0; i < base.length; i++) {
      err = Math.max(err, Math.abs((at(i, eps) - at(i, -eps)) / (2 * eps) - analytic[i]));
    }
    w.assign(tf.tensor(base, w.shape));
    return err / maxAbs(analytic);
  });
}

for (const backend of BACKENDS) {
  describe(`gradients through nn.interpolate in a small model on ${backend}`, () => {
    it('input and first conv weight gradients equal finite differences', async () => {
      const { input, weight } = await onBackend(backend, () => {
        const model = smallModel();
        const x = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 8);
        try {
          return {
            input: relativeGradError(model.forward, [2, 5, 6, 3]),
            weight: variableGradError(() => model.forward(x), model.first.weight),
          };
        } finally {
          x.dispose();
          model.dispose();
        }
      });
      expect(input, 'dL/dx').to.be.below(1e-4);
      expect(weight, 'dL/dweight').to.be.below(1e-4);
    });

    it('training steps leave the tensor count flat', async () => {
      const counts = await onBackend(backend, () => {
        const model = smallModel();
        const x = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 8);
        const step = () => {
          const loss = () => tf.mean(tf.square(model.forward(x))) as tf.Scalar;
          const { value, grads } = tf.variableGrads(loss, model.params);
          tf.dispose([value, ...Object.values(grads)]);
          return tf.memory().numTensors;
        };
        const seen = [step(), step(), step()];
        x.dispose();
        model.dispose();
        return seen;
      });
      expect(counts[2]).to.equal(counts[0]);
      expect(counts[1]).to.equal(counts[0]);
    });
  });
}

describe('resize gradient registration', () => {
  /** A gradient registered under the same name, as a later import of tfjs would. */
  const standIn = (config: GradConfig): GradConfig => ({ ...config, gradFunc: config.gradFunc.bind(null) });

  it('segvit’s gradients replace tfjs’s, and win again after tfjs registers its own', () => {
    for (const ours of [resizeBilinearGradConfig, resizeNearestNeighborGradConfig]) {
      expect(tf.getGradient(ours.kernelName)).to.equal(ours);
      tf.registerGradient(standIn(ours));
      expect(tf.getGradient(ours.kernelName)).not.to.equal(ours);
      registerKernels();
      expect(tf.getGradient(ours.kernelName)).to.equal(ours);
    }
  });

  it('replacing tfjs’s gradient prints no warning in tfjs DEBUG mode', () => {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    tf.env().set('DEBUG', true);
    try {
      tf.registerGradient(standIn(resizeBilinearGradConfig));
      const byTfjs = warnings.filter((w) => w.includes('Overriding the gradient')).length;
      registerKernels();
      const byUs = warnings.filter((w) => w.includes('Overriding the gradient')).length - byTfjs;
      expect(byTfjs, 'tfjs warns when a gradient is registered over another').to.equal(1);
      expect(byUs).to.equal(0);
    } finally {
      tf.env().set('DEBUG', false);
      console.warn = warn;
    }
    expect(tf.getGradient('ResizeBilinear')).to.equal(resizeBilinearGradConfig);
  });
});
