/** Shared checks of segvit's single-pass layer kernels (LayerNorm, BatchNorm) against the same layer as tf ops. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { maxAbs, maxAbsDiff, onBackend } from './backends.js';
import type { Module } from '../../lib/nn/module.js';

/**
 * For cpu and wasm: y, dL/dx, dL/dweight and dL/dbias from the kernel path (`outputsAndGrads(true)`, first four
 * arrays) equal the tf-ops path's on cpu within 2e-6 of their scale.
 */
export function itMatchesOps(layerName: string, outputsAndGrads: (useKernel: boolean) => number[][]): void {
  for (const backend of ['cpu', 'wasm']) {
    it(`${backend}: y, dL/dx, dL/dweight and dL/dbias equal the tf-ops ${layerName} within 2e-6 of their scale`, async () => {
      const reference = await onBackend('cpu', () => outputsAndGrads(false));
      const kernel = await onBackend(backend, () => outputsAndGrads(true));
      for (const [i, name] of ['y', 'dx', 'dweight', 'dbias'].entries()) {
        expect(maxAbsDiff(kernel[i], reference[i]) / maxAbs(reference[i]), name).to.be.below(2e-6);
      }
    });
  }
}

/** Tensors left behind on wasm by three forward + backward steps of `layer` (with weight and bias) on `shape`. */
export async function leakedOverSteps(
  make: () => Module & { weight?: tf.Variable; bias?: tf.Variable; forward(x: tf.Tensor): tf.Tensor },
  shape: number[],
): Promise<number> {
  return onBackend('wasm', () => {
    const layer = make();
    const x = tf.randomNormal(shape);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.forward(x))) as tf.Scalar, [layer.weight!, layer.bias!]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const after = tf.memory().numTensors;
    tf.dispose(x);
    layer.dispose();
    return after - before;
  });
}
