/** Comparing channels-last outputs with PyTorch's channels-first reference tensors. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import type { TensorRecord } from '../../lib/weights/index.js';
import { maxAbs, maxAbsDiff } from './backends.js';

/** A PyTorch NCHW / NCDHW record as a channels-last tensor. */
export function channelsLast(record: TensorRecord): tf.Tensor {
  const t = tf.tensor(record.data as Float32Array, record.shape);
  const perm = [0, ...record.shape.slice(2).map((_, i) => i + 2), 1];
  return tf.tidy(() => tf.transpose(t, perm));
}

/** Max |ours - reference| relative to the reference's max |value|, ours channels-last. */
export function parityError(actual: tf.Tensor, reference: TensorRecord): number {
  const expected = channelsLast(reference);
  expect(actual.shape).to.deep.equal(expected.shape);
  const err = maxAbsDiff(actual.dataSync(), expected.dataSync()) / maxAbs(reference.data as Float32Array);
  expected.dispose();
  return err;
}
