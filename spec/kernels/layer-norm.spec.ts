/** segvit's single-pass LayerNorm kernels against the same LayerNorm written as tf ops, on cpu and wasm. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { maxAbs, maxAbsDiff, onBackend } from '../helpers/backends.js';
import { LayerNorm } from '../../lib/nn/norm.js';

/** LayerNorm as tf ops (the path of backends without segvit's kernel). */
function layerNormOps(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), w), b);
}

function outputsAndGrads(useKernel: boolean): number[][] {
  return tf.tidy(() => {
    const layer = new LayerNorm(24, 1e-6);
    layer.weight!.assign(tf.randomNormal([24], 1, 0.5, 'float32', 1));
    layer.bias!.assign(tf.randomNormal([24], 0, 0.5, 'float32', 2));
    const x = tf.randomNormal([2, 5, 7, 24], 3, 2, 'float32', 3);
    const g = tf.randomNormal([2, 5, 7, 24], 0, 1, 'float32', 4);
    const f = (t: tf.Tensor) => (useKernel ? layer.forward(t) : layerNormOps(t, layer.weight!, layer.bias!, 1e-6));
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), g)) as tf.Scalar, [layer.weight!, layer.bias!]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), g)))(x);
    const out = [f(x), dx, grads[layer.weight!.name], grads[layer.bias!.name]].map((t) => Array.from(t.dataSync()));
    layer.dispose();
    return out;
  });
}

describe('LayerNorm kernels', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`${backend}: y, dL/dx, dL/dweight and dL/dbias equal the tf-ops LayerNorm within 2e-6 of their scale`, async () => {
      const reference = await onBackend('cpu', () => outputsAndGrads(false));
      const kernel = await onBackend(backend, () => outputsAndGrads(true));
      for (const [i, name] of ['y', 'dx', 'dweight', 'dbias'].entries()) {
        expect(maxAbsDiff(kernel[i], reference[i]) / maxAbs(reference[i]), name).to.be.below(2e-6);
      }
    });
  }

  it('leaves no tensor behind after forward and backward on wasm', async () => {
    const leaked = await onBackend('wasm', () => {
      const layer = new LayerNorm(8);
      const x = tf.randomNormal([3, 8]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const { value, grads } = tf.variableGrads(() => tf.sum(layer.forward(x)) as tf.Scalar, [layer.weight!, layer.bias!]);
        tf.dispose([value, ...Object.values(grads)]);
      }
      const after = tf.memory().numTensors;
      tf.dispose(x);
      layer.dispose();
      return after - before;
    });
    expect(leaked).to.equal(0);
  });
});
