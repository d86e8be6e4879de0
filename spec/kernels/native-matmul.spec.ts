/**
 * wasm's matmuls on the native OpenBLAS GEMM (when built) and on wasm's own GEMM agree with the cpu backend:
 * transposes, batch broadcasting, bias and fused activations, and the cases left to wasm's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { maxAbs, maxAbsDiff, onBackend } from '../helpers/backends.js';
import { nativeBlas } from '../../lib/kernels/native-blas.js';
import { useNativeGemm } from '../../lib/kernels/index.js';
import { loadAllBackends } from '../../lib/backend.js';

type Case = [string, number[], number[], boolean, boolean];
const products: Case[] = [
  ['2-D', [37, 19], [19, 23], false, false],
  ['transposeA', [19, 37], [19, 23], true, false],
  ['transposeB', [37, 19], [23, 19], false, true],
  ['both transposed', [19, 37], [23, 19], true, true],
  ['batched windows [B, heads, N, d]·[B, heads, N, d]ᵀ', [5, 3, 49, 32], [5, 3, 49, 32], false, true],
  ['one matrix broadcast over the batch (b)', [4, 6, 7], [7, 5], false, false],
  ['one matrix broadcast over the batch (a)', [6, 7], [4, 7, 5], false, false],
  ['rank-4 a, rank-3 b with batch 1', [2, 3, 6, 7], [1, 7, 5], false, false],
  ['[2,1] x [1,3] broadcasting (wasm kernel)', [2, 1, 4, 5], [1, 3, 5, 6], false, false],
  ['large (threads inside OpenBLAS)', [256, 300], [300, 200], false, false],
];

function inputs(a: number[], b: number[]) {
  return [tf.randomNormal(a, 0, 1, 'float32', 3), tf.randomNormal(b, 0, 1, 'float32', 4)];
}

async function relativeError(f: () => tf.Tensor, path: 'wasm' | 'wasm-plain'): Promise<number> {
  const read = () => tf.tidy(() => f().dataSync());
  const expected = await onBackend('cpu', read);
  const actual = await onBackend(path, read);
  return maxAbsDiff(actual, expected) / maxAbs(expected);
}

describe('matmul on wasm (native GEMM and wasm GEMM) equals cpu', () => {
  before(async () => {
    await loadAllBackends();
  });

  it('the native GEMM is in use where it is built (SEGVIT_NATIVE=0 turns it off)', () => {
    const { blas, reason } = nativeBlas();
    if (process.env.SEGVIT_NATIVE === '0') expect(reason).to.match(/SEGVIT_NATIVE=0/);
    else if (!blas) expect(reason).to.be.a('string').and.not.be.empty;
    expect(useNativeGemm(true)).to.equal(blas !== undefined);
  });

  for (const path of ['wasm', 'wasm-plain'] as const) {
    describe(path === 'wasm' ? 'native GEMM' : "wasm's own GEMM", () => {
      for (const [name, a, b, ta, tb] of products) {
        it(name, async () => {
          const err = await relativeError(() => {
            const [x, y] = inputs(a, b);
            return tf.matMul(x, y, ta, tb);
          }, path);
          expect(err).to.be.below(1e-5);
        });
      }
      for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu'] as const) {
        it(`fused matmul with bias [N] and ${activation}`, async () => {
          const err = await relativeError(() => {
            const [x, y] = inputs([3, 9, 11], [3, 11, 13]);
            const bias = tf.randomNormal([13], 0, 1, 'float32', 5);
            const preluActivationWeights = activation === 'prelu' ? tf.fill([13], 0.25) : undefined;
            return tf.fused.matMul({ a: x, b: y, transposeB: false, bias, activation, preluActivationWeights, leakyreluAlpha: 0.1 });
          }, path);
          expect(err).to.be.below(1e-5);
        });
      }
      it('fused matmul with a [M, N] bias (left to wasm) and transposes', async () => {
        const err = await relativeError(() => {
          const [x, y] = inputs([11, 9], [13, 11]);
          return tf.fused.matMul({ a: x, b: y, transposeA: true, transposeB: true, bias: tf.randomNormal([9, 13], 0, 1, 'float32', 6), activation: 'relu' });
        }, path);
        expect(err).to.be.below(1e-5);
      });
      it('gradients of a batched product', async () => {
        const grads = () =>
          tf.tidy(() => {
            const [x, y] = inputs([4, 6, 7], [4, 5, 7]);
            const [gx, gy] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, false, true))))([x, y]);
            return [...gx.dataSync(), ...gy.dataSync()];
          });
        const expected = await onBackend('cpu', grads);
        expect(maxAbsDiff(await onBackend(path, grads), expected) / maxAbs(expected)).to.be.below(1e-5);
      });
    });
  }
});
