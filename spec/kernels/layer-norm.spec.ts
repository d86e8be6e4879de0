/** segvit's single-pass LayerNorm kernels against the same LayerNorm written as tf ops, on cpu and wasm. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { itMatchesOps, leakedOverSteps } from '../helpers/layer-kernels.js';
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
  itMatchesOps('LayerNorm', outputsAndGrads);

  it('leaves no tensor behind after forward and backward on wasm', async () => {
    expect(await leakedOverSteps(() => new LayerNorm(8), [3, 8])).to.equal(0);
  });
});
