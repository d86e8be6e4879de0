/** segvit's single-pass training BatchNorm kernels against BatchNorm written as tf ops, on cpu and wasm. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { onBackend } from '../helpers/backends.js';
import { itMatchesOps, leakedOverSteps } from '../helpers/layer-kernels.js';
import { BatchNorm2d } from '../../lib/nn/norm.js';

const EPS = 1e-5;

/** Training-mode BatchNorm as tf ops: statistics over [B, H, W], biased variance. */
function batchNormOps(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS))), w), b);
}

function outputsAndGrads(useKernel: boolean): number[][] {
  return tf.tidy(() => {
    const layer = new BatchNorm2d(6, { eps: EPS }).train();
    layer.weight!.assign(tf.randomNormal([6], 1, 0.5, 'float32', 1));
    layer.bias!.assign(tf.randomNormal([6], 0, 0.5, 'float32', 2));
    const x = tf.randomNormal([3, 5, 4, 6], 2, 3, 'float32', 3);
    const g = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 4);
    const f = (t: tf.Tensor) => (useKernel ? layer.forward(t) : batchNormOps(t, layer.weight!, layer.bias!));
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), g)) as tf.Scalar, [layer.weight!, layer.bias!]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), g)))(x);
    const out = [f(x), dx, grads[layer.weight!.name], grads[layer.bias!.name]].map((t) => Array.from(t.dataSync()));
    const stats = useKernel ? [Array.from(layer.runningMean!.dataSync()), Array.from(layer.runningVar!.dataSync())] : [];
    layer.dispose();
    return [...out, ...stats];
  });
}

describe('training BatchNorm kernels', () => {
  itMatchesOps('BatchNorm', outputsAndGrads);

  it('updates the running statistics as PyTorch: momentum 0.1, unbiased variance', async () => {
    const [x, runningMean, runningVar] = await onBackend('wasm', () =>
      tf.tidy(() => {
        const layer = new BatchNorm2d(2).train();
        const input = tf.tensor4d([1, 10, 3, 20, 5, 60, 7, 10], [2, 2, 1, 2]);
        layer.forward(input);
        const out = [input, layer.runningMean!, layer.runningVar!].map((t) => Array.from(t.dataSync()));
        layer.dispose();
        return out;
      }),
    );
    // channel 0: 1, 3, 5, 7 (mean 4, unbiased var 20/3); channel 1: 10, 20, 60, 10 (mean 25, unbiased var 1700/3)
    expect(x).to.have.length(8);
    expect(runningMean[0]).to.be.closeTo(0.4, 1e-6);
    expect(runningMean[1]).to.be.closeTo(2.5, 1e-6);
    expect(runningVar[0]).to.be.closeTo(0.9 + 0.1 * (20 / 3), 1e-6);
    expect(runningVar[1]).to.be.closeTo(0.9 + 0.1 * (1700 / 3), 1e-4);
  });

  it('leaves no tensor behind after training steps on wasm', async () => {
    expect(await leakedOverSteps(() => new BatchNorm2d(4).train(), [2, 3, 3, 4])).to.equal(0);
  });
});
