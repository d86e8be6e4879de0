/** wasm's data-movement kernels that copy on the heap give exactly the cpu backend's values. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { onBackend } from '../helpers/backends.js';
import { simplifyPermutation } from '../../lib/kernels/heap-copy.js';

/** Values of `f(x)` on cpu and wasm for the same x (float32 or int32). */
async function onBoth(shape: number[], dtype: 'float32' | 'int32', f: (x: tf.Tensor) => tf.Tensor | tf.Tensor[]) {
  const n = shape.reduce((p, d) => p * d, 1);
  const values = dtype === 'int32' ? Int32Array.from({ length: n }, (_, i) => i * 7 - 3) : Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 10);
  const run = () =>
    tf.tidy(() => [f(tf.tensor(values, shape, dtype))].flat()).map((t) => {
      const out = { shape: t.shape, values: Array.from(t.dataSync()) };
      t.dispose();
      return out;
    });
  return { cpu: await onBackend('cpu', run), wasm: await onBackend('wasm', run) };
}

describe('kernels copied in place on the wasm heap', () => {
  describe('Transpose equals cpu exactly', () => {
    const cases: [number[], number[]][] = [
      [[7, 5, 3, 2, 4], [2, 0, 3, 1, 4]], // window attention's qkv split (rank 5, rows of the last axis)
      [[2, 3, 2, 3, 2, 5], [0, 1, 3, 2, 4, 5]], // window partition (merges to rank 4, wasm's kernel)
      [[2, 3, 2, 3, 2, 5], [0, 1, 3, 4, 2, 5]], // patch merging
      [[3, 1, 4, 2, 5, 2], [5, 1, 3, 0, 2, 4]], // last axis moves: wasm's kernel
      [[2, 3, 4, 5, 6], [4, 3, 2, 1, 0]],
      [[2, 3, 4, 5, 6], [1, 0, 3, 2, 4]],
      [[4, 6], [1, 0]],
      [[1, 1, 1], [2, 0, 1]],
    ];
    for (const [shape, perm] of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        it(`${dtype} [${shape}] perm [${perm}]`, async () => {
          const { cpu, wasm } = await onBoth(shape, dtype, (x) => tf.transpose(x, perm));
          expect(wasm).to.deep.equal(cpu);
        });
      }
    }
    it('bool', async () => {
      const run = () => tf.tidy(() => Array.from(tf.transpose(tf.tensor(Array.from({ length: 60 }, (_, i) => i % 3 === 0), [2, 3, 2, 5, 1], 'bool'), [2, 0, 1, 4, 3]).dataSync()));
      expect(await onBackend('wasm', run)).to.deep.equal(await onBackend('cpu', run));
    });
  });

  it('simplifyPermutation drops size-1 axes and merges axes that move together', () => {
    expect(simplifyPermutation([2, 3, 2, 3, 2, 5], [0, 1, 3, 2, 4, 5])).to.deep.equal({ shape: [6, 2, 3, 10], perm: [0, 2, 1, 3] });
    expect(simplifyPermutation([7, 5, 3, 2, 4], [2, 0, 3, 1, 4])).to.deep.equal({ shape: [7, 5, 3, 2, 4], perm: [2, 0, 3, 1, 4] });
    expect(simplifyPermutation([3, 1, 4], [1, 2, 0])).to.deep.equal({ shape: [3, 4], perm: [1, 0] });
    expect(simplifyPermutation([2, 3, 4], [0, 1, 2])).to.deep.equal({ shape: [24], perm: [0] });
  });

  describe('Slice, Unpack and SplitV equal cpu exactly', () => {
    const slices: [number[], number[], number[]][] = [
      [[4, 5, 6], [1, 2, 3], [2, 3, 2]],
      [[4, 5, 6], [1, 0, 0], [2, -1, -1]], // contiguous
      [[2, 3, 4, 5, 6], [1, 1, 0, 2, 1], [1, 2, 4, 3, 5]],
      [[3, 4], [0, 1], [3, 0]], // empty
      [[10], [3], [4]],
    ];
    for (const [shape, begin, size] of slices) {
      it(`slice [${shape}] from [${begin}] size [${size}]`, async () => {
        for (const dtype of ['float32', 'int32'] as const) {
          const { cpu, wasm } = await onBoth(shape, dtype, (x) => tf.slice(x, begin, size));
          expect(wasm).to.deep.equal(cpu);
        }
      });
    }
    for (const axis of [0, 1, 3]) {
      it(`unstack [3, 4, 2, 5] along axis ${axis}`, async () => {
        const { cpu, wasm } = await onBoth([3, 4, 2, 5], 'float32', (x) => tf.unstack(x, axis));
        expect(wasm).to.deep.equal(cpu);
      });
    }
    for (const [sizes, axis] of [[[2, 5], 1], [3, 2], [[1, 1, 2], 0], [[4, 1], -1]] as [number | number[], number][]) {
      it(`split [4, 7, 6, 5] into ${JSON.stringify(sizes)} along ${axis}`, async () => {
        const shape = [4, 7, 6, 5];
        const fixed = Array.isArray(sizes) && axis === 0 ? shape.map((d, i) => (i === 0 ? 4 : d)) : shape;
        const { cpu, wasm } = await onBoth(fixed, 'float32', (x) => tf.split(x, sizes, axis));
        expect(wasm).to.deep.equal(cpu);
        expect(wasm.length).to.equal(Array.isArray(sizes) ? sizes.length : sizes);
      });
    }
  });
});

describe('Sum over leading axes on wasm', () => {
  const cases: [number[], number[], boolean][] = [
    [[6, 5, 4], [0], false],
    [[6, 5, 4], [0, 1], true],
    [[6, 5, 4], [1, 0], false],
    [[6, 5, 4], [2], false], // trailing: wasm's kernel
    [[6, 5, 4], [0, 2], false], // not a prefix: wasm's kernel
    [[6, 5, 4], [0, 1, 2], false],
  ];
  for (const [shape, axes, keepDims] of cases) {
    it(`sum of [${shape}] over [${axes}]${keepDims ? ' keeping dims' : ''} equals cpu within float32 rounding`, async () => {
      const { cpu, wasm } = await onBoth(shape, 'float32', (x) => tf.sum(x, axes, keepDims));
      expect(wasm[0].shape).to.deep.equal(cpu[0].shape);
      const err = Math.max(...wasm[0].values.map((v, i) => Math.abs(v - cpu[0].values[i])));
      // float32 summation error bound: n·ε·Σ|x| with |x| ≤ 10 (onBoth's values)
      const n = axes.reduce((p, a) => p * shape[a], 1);
      expect(err).to.be.below(n * 6e-8 * n * 10);
    });
  }
});

describe('GatherV2 as block copies on wasm', () => {
  const cases: [number[], number[], number][] = [
    [[9, 20], [8, 7, 6, 5, 4, 3, 2, 1, 0], 0],
    [[169, 3], [0, 5, 168, 5, 12], 0],
    [[4, 6, 5], [5, 0, 0, 2], 1],
    [[4, 6, 5], [4, 1], 2],
  ];
  for (const [shape, indices, axis] of cases) {
    it(`gather [${indices}] from [${shape}] along ${axis} equals cpu exactly`, async () => {
      for (const dtype of ['float32', 'int32'] as const) {
        const { cpu, wasm } = await onBoth(shape, dtype, (x) => tf.gather(x, tf.tensor1d(indices, 'int32'), axis));
        expect(wasm).to.deep.equal(cpu);
      }
    });
  }
  it('a 2-D index tensor gives [..., ...indices.shape, ...]', async () => {
    const { cpu, wasm } = await onBoth([5, 3], 'float32', (x) => tf.gather(x, tf.tensor2d([[0, 4], [2, 2]], [2, 2], 'int32')));
    expect(wasm).to.deep.equal(cpu);
    expect(wasm[0].shape).to.deep.equal([2, 2, 3]);
  });
  it('names an index out of range', async () => {
    const run = () => tf.tidy(() => tf.gather(tf.zeros([4, 2]), tf.tensor1d([1, 4], 'int32')).dataSync());
    await onBackend('wasm', () => expect(run).to.throw('GatherV2: index 4 is not in [0, 3]'));
  });
});
