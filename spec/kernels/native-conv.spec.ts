/**
 * wasm's Conv2D on the native GEMM (im2col tiles + OpenBLAS, when built) and on XNNPACK agree with the cpu backend:
 * strides, dilations, every padding form, pointwise convs, threaded tiles, and the input and filter gradients (the
 * filter gradient is a native kernel too).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { maxAbs, maxAbsDiff, onBackend } from '../helpers/backends.js';
import { nativeBlas } from '../../lib/kernels/native-blas.js';
import { useNativeGemm } from '../../lib/kernels/index.js';

type Pad = 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
  dilation?: number | [number, number];
}

const cases: Case[] = [
  { name: '3x3 valid', x: [2, 9, 11, 5], w: [3, 3, 5, 7], stride: 1, pad: 'valid' },
  { name: '3x3 same', x: [1, 8, 8, 4], w: [3, 3, 4, 6], stride: 1, pad: 'same' },
  { name: '3x3 stride 2, pad 1', x: [2, 13, 10, 3], w: [3, 3, 3, 8], stride: 2, pad: 1 },
  { name: 'explicit asymmetric padding, stride [1, 2]', x: [1, 7, 9, 4], w: [2, 3, 4, 5], stride: [1, 2], pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  { name: '3x3 dilation 2', x: [1, 12, 12, 3], w: [3, 3, 3, 4], stride: 1, pad: 'valid', dilation: 2 },
  { name: '4x4 stride 4 (patch embedding)', x: [2, 16, 16, 3], w: [4, 4, 3, 8], stride: 4, pad: 'valid' },
  { name: '1x1 pointwise (one GEMM on x)', x: [2, 6, 5, 16], w: [1, 1, 16, 9], stride: 1, pad: 'valid' },
  { name: '1x1 stride 2', x: [1, 9, 9, 6], w: [1, 1, 6, 4], stride: 2, pad: 'valid' },
  // Past the addon's thresholds: 10.6M multiply-adds (threaded, one tile split in two), and a 1024 x 4608 patch
  // matrix (above one 4M-float tile: two tiles on two threads, whose filter-gradient partial sums are added).
  { name: 'large: tiles split over threads', x: [2, 24, 24, 32], w: [3, 3, 32, 32], stride: 1, pad: 'same' },
  { name: 'patch matrix above one tile', x: [1, 32, 32, 512], w: [3, 3, 512, 1], stride: 1, pad: 1 },
];

function inputs(c: Case): [tf.Tensor4D, tf.Tensor4D] {
  return [tf.randomNormal(c.x, 0, 1, 'float32', 5) as tf.Tensor4D, tf.randomNormal(c.w, 0, 1, 'float32', 6) as tf.Tensor4D];
}

/** cpu results by name, computed once for both wasm paths (cpu's conv gradients are slow). */
const onCpu = new Map<string, Float32Array>();

async function relativeError(name: string, f: () => tf.Tensor, path: 'wasm' | 'wasm-plain'): Promise<number> {
  const read = () => tf.tidy(() => f().dataSync() as Float32Array);
  if (!onCpu.has(name)) onCpu.set(name, await onBackend('cpu', read));
  const expected = onCpu.get(name)!;
  const actual = await onBackend(path, read);
  return maxAbsDiff(actual, expected) / maxAbs(expected);
}

describe('Conv2D on wasm (native GEMM and XNNPACK) equals cpu', () => {
  it('is switched with the native GEMM where it is built', async () => {
    await onBackend('wasm', () => undefined);
    const current = () => tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
    useNativeGemm(false);
    const own = current();
    expect(useNativeGemm(true)).to.equal(nativeBlas().blas !== undefined);
    if (nativeBlas().blas) expect(current()).to.not.equal(own);
    else expect(current()).to.equal(own);
  });

  for (const path of ['wasm', 'wasm-plain'] as const) {
    describe(path === 'wasm' ? 'native GEMM' : 'XNNPACK', () => {
      for (const c of cases) {
        it(c.name, async () => {
          const err = await relativeError(c.name, () => {
            const [x, w] = inputs(c);
            return tf.conv2d(x, w, c.stride, c.pad, 'NHWC', c.dilation ?? 1);
          }, path);
          expect(err).to.be.below(1e-5);
        });
      }
      // tfjs's conv2d gradient refuses dilations > 1 (segvit's layers dilate by space-to-batch instead).
      for (const c of cases.filter((k) => (k.dilation ?? 1) === 1)) {
        it(`input and filter gradients: ${c.name}`, async () => {
          const grad = (which: 0 | 1) => () => {
            const [x, w] = inputs(c);
            const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
            const g = tf.randomNormal(conv(x, w).shape, 0, 1, 'float32', 7);
            return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), g)))([x, w])[which]!;
          };
          expect(await relativeError(`dx ${c.name}`, grad(0), path), 'dx').to.be.below(1e-5);
          expect(await relativeError(`dw ${c.name}`, grad(1), path), 'dw').to.be.below(1e-5);
        });
      }
    });
  }
});
