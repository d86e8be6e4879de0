/**
 * The gradient of every layer type (and of the ops the models compose) on wasm equals the cpu backend's.
 * wasm lacks several backprop kernels (lib/kernels/ adds them); this proves they are right.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import * as nn from '../../lib/nn/index.js';
import { manualSeed, rng } from '../../lib/random.js';
import { kernelChanges } from '../../lib/kernels/index.js';
import { maxAbs, maxAbsDiff, onBackend } from '../helpers/backends.js';

interface Case {
  name: string;
  /** Input shape (channels last). */
  input: number[];
  make: () => nn.Layer | ((x: tf.Tensor) => tf.Tensor);
}

const cases: Case[] = [
  { name: 'Linear', input: [2, 5, 6], make: () => new nn.Linear(6, 4) },
  { name: 'Linear without bias', input: [3, 6], make: () => new nn.Linear(6, 4, false) },
  { name: 'Conv2d k3 p1', input: [2, 7, 6, 3], make: () => new nn.Conv2d(3, 4, 3, { padding: 1 }) },
  { name: 'Conv2d k3 s2 p1', input: [2, 9, 8, 3], make: () => new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }) },
  { name: 'Conv2d k4 s4 (patch embed)', input: [1, 8, 12, 3], make: () => new nn.Conv2d(3, 5, 4, { stride: 4 }) },
  { name: 'Conv2d k1', input: [2, 5, 5, 6], make: () => new nn.Conv2d(6, 3, 1) },
  { name: 'Conv2d groups 2', input: [2, 6, 6, 4], make: () => new nn.Conv2d(4, 6, 3, { padding: 1, groups: 2 }) },
  { name: 'Conv2d depthwise', input: [2, 6, 7, 4], make: () => new nn.Conv2d(4, 4, 3, { padding: 1, groups: 4 }) },
  {
    name: 'Conv2d depthwise x2 stride 2',
    input: [2, 7, 7, 3],
    make: () => new nn.Conv2d(3, 6, 3, { stride: 2, padding: 1, groups: 3 }),
  },
  { name: 'Conv2d dilation 2', input: [2, 9, 8, 3], make: () => new nn.Conv2d(3, 4, 3, { padding: 2, dilation: 2 }) },
  {
    name: 'Conv2d dilation 2 stride 2',
    input: [1, 9, 9, 2],
    make: () => new nn.Conv2d(2, 3, 3, { padding: 1, dilation: 2, stride: 2 }),
  },
  { name: 'Conv2d same k5', input: [1, 6, 7, 2], make: () => new nn.Conv2d(2, 3, 5, { padding: 'same' }) },
  { name: 'ConvTranspose2d k4 s4', input: [1, 3, 4, 5], make: () => new nn.ConvTranspose2d(5, 3, 4, { stride: 4 }) },
  {
    name: 'ConvTranspose2d k3 s2 p1 op1',
    input: [2, 4, 5, 3],
    make: () => new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  },
  { name: 'Conv3d k3 p1', input: [1, 4, 5, 6, 2], make: () => new nn.Conv3d(2, 3, 3, { padding: 1 }) },
  {
    name: 'Conv3d k(1,3,3) s(1,2,2)',
    input: [2, 3, 6, 6, 2],
    make: () => new nn.Conv3d(2, 3, [1, 3, 3], { stride: [1, 2, 2], padding: [0, 1, 1] }),
  },
  { name: 'Conv3d dilation 2', input: [1, 6, 6, 6, 2], make: () => new nn.Conv3d(2, 2, 3, { padding: 2, dilation: 2 }) },
  { name: 'LayerNorm', input: [2, 3, 4, 8], make: () => new nn.LayerNorm(8) },
  { name: 'BatchNorm2d (train)', input: [3, 4, 5, 6], make: () => new nn.BatchNorm2d(6) },
  { name: 'BatchNorm2d (eval)', input: [3, 4, 5, 6], make: () => new nn.BatchNorm2d(6).eval() },
  { name: 'GroupNorm', input: [2, 4, 5, 6], make: () => new nn.GroupNorm(3, 6) },
  { name: 'GroupNorm 3D', input: [2, 3, 4, 4, 6], make: () => new nn.GroupNorm(2, 6) },
  { name: 'Dropout', input: [2, 5, 6], make: () => new nn.Dropout(0.3) },
  { name: 'Dropout2d', input: [2, 4, 4, 6], make: () => new nn.Dropout2d(0.3) },
  { name: 'DropPath', input: [4, 5, 6], make: () => new nn.DropPath(0.5) },
  { name: 'GELU', input: [3, 7], make: () => new nn.GELU() },
  { name: 'ReLU', input: [3, 7], make: () => new nn.ReLU() },
  { name: 'Mlp', input: [2, 5, 6], make: () => new nn.Mlp(6, 12) },
  {
    name: 'interpolate bilinear',
    input: [2, 5, 7, 3],
    make: () => (x) => nn.interpolate(x as tf.Tensor4D, { size: [8, 11] }),
  },
  {
    name: 'interpolate bilinear align_corners',
    input: [2, 5, 7, 3],
    make: () => (x) => nn.interpolate(x as tf.Tensor4D, { scaleFactor: 2, alignCorners: true }),
  },
  {
    name: 'interpolate nearest',
    input: [2, 5, 7, 3],
    make: () => (x) => nn.interpolate(x as tf.Tensor4D, { size: [8, 11], mode: 'nearest' }),
  },
  { name: 'adaptiveAvgPool2d 3', input: [2, 7, 10, 3], make: () => (x) => nn.adaptiveAvgPool2d(x as tf.Tensor4D, 3) },
  {
    // Relative position bias and attention as Swin composes them: gather (grad = UnsortedSegmentSum), matmul, softmax.
    name: 'window attention ops',
    input: [2, 3, 9, 4],
    make: () => {
      const table = tf.variable(nn.init.normal([25, 3]));
      const index = tf.tensor1d(
        Array.from({ length: 81 }, (_, k) => ((k * 7) % 25) | 0),
        'int32',
      );
      return (x: tf.Tensor) => {
        const bias = tf.transpose(tf.reshape(tf.gather(table, index), [9, 9, 3]), [2, 0, 1]);
        const logits = tf.add(tf.matMul(x, x, false, true), bias);
        return tf.matMul(tf.softmax(logits), x);
      };
    },
  },
  {
    name: 'shift, pad and patch-merging slices',
    input: [1, 6, 6, 2],
    make: () => (x) => {
      const rolled = tf.concat([tf.slice(x, [0, 2, 0, 0], [-1, -1, -1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, 2, -1, -1])], 1);
      const padded = tf.pad(rolled, [[0, 0], [0, 1], [0, 1], [0, 0]]);
      const even = tf.stridedSlice(padded, [0, 0, 0, 0], [1, 7, 7, 2], [1, 2, 2, 1]);
      return tf.sigmoid(tf.mul(even, tf.mean(padded)));
    },
  },
];

interface Result {
  output: Float32Array;
  grads: Map<string, Float32Array>;
}

/** Forward and backward of L = Σ y·g on the active backend, everything built from `seed`. */
function run(c: Case, seed: number): Result {
  manualSeed(seed);
  const made = c.make();
  const layer = typeof made === 'function' ? undefined : made;
  const forward = typeof made === 'function' ? made : (t: tf.Tensor) => made.forward(t);
  const x = tf.variable(nn.init.normal(c.input));
  const params = layer ? [...layer.namedParameters()] : [];
  const dropSeed = rng.state;
  const y = tf.tidy(() => forward(x));
  const g = nn.init.normal(y.shape);
  rng.state = dropSeed; // the same dropout masks in the backward pass
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(forward(x), g)) as tf.Scalar, [
    x,
    ...params.map(([, v]) => v),
  ]);
  const result: Result = { output: y.dataSync() as Float32Array, grads: new Map() };
  result.grads.set('input', grads[x.name].dataSync() as Float32Array);
  for (const [name, v] of params) result.grads.set(name, grads[v.name].dataSync() as Float32Array);
  tf.dispose([x, y, g, ...Object.values(grads)]);
  layer?.dispose();
  return result;
}

describe('wasm gradients match cpu', () => {
  it('adds the kernels wasm lacks, composing the conv filter gradients', async () => {
    await onBackend('wasm', () => undefined);
    const added = kernelChanges();
    expect(added.composed).to.include.members(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'UnsortedSegmentSum', 'Identity']);
    expect(added.onCpu).to.include.members(['DepthwiseConv2dNativeBackpropInput', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2']);
    expect(added.fixed).to.include.members(['BatchMatMul', '_FusedMatMul']);
    expect(added.gradients).to.include.members(['ResizeBilinear', 'ResizeNearestNeighbor', 'StridedSlice']);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const cpu = await onBackend('cpu', () => run(c, 7));
      const wasm = await onBackend('wasm', () => run(c, 7));
      const tol = (ref: Float32Array) => 1e-4 * Math.max(1, maxAbs(ref));
      expect(maxAbs(cpu.output), 'output is not trivially zero').to.be.greaterThan(0);
      expect(maxAbsDiff(wasm.output, cpu.output), 'output').to.be.at.most(tol(cpu.output));
      expect([...wasm.grads.keys()]).to.deep.equal([...cpu.grads.keys()]);
      for (const [name, ref] of cpu.grads) {
        expect(maxAbs(ref), `d/d${name} is not trivially zero`).to.be.greaterThan(0);
        expect(maxAbsDiff(wasm.grads.get(name)!, ref), `d/d${name}`).to.be.at.most(tol(ref));
      }
    });
  }
});
