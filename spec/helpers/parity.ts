/** Comparing channels-last outputs with PyTorch's channels-first reference tensors. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { readSafetensors, type TensorRecord } from '../../lib/weights/node.js';
import { maxAbs, maxAbsDiff } from './backends.js';
import { channelsLast } from '../../lib/weights/channels.js';

export { channelsLast };

/** Max |ours - reference| relative to the reference's max |value|, ours channels-last. */
export function parityError(actual: tf.Tensor, reference: TensorRecord): number {
  const expected = channelsLast(reference);
  expect(actual.shape).to.deep.equal(expected.shape);
  const err = maxAbsDiff(actual.dataSync(), expected.dataSync()) / maxAbs(reference.data as Float32Array);
  expected.dispose();
  return err;
}

/** Max |ours - reference| relative to the reference's max |value|, for tensors without channels ([B, H, W] depth). */
export function parityErrorSameLayout(actual: tf.Tensor, reference: TensorRecord): number {
  expect(actual.shape).to.deep.equal(reference.shape);
  return maxAbsDiff(actual.dataSync(), reference.data) / maxAbs(reference.data as Float32Array);
}

/**
 * Each tensor of the safetensors file `out` (NCHW, as the CLI writes) against the same-named tensor of the file
 * `reference` (a fixture's io.safetensors): [name, max abs error / max abs reference], in `out`'s order.
 */
export function fileParityErrors(out: string, reference: string): [string, number][] {
  const references = readSafetensors(reference).tensors;
  return [...readSafetensors(out).tensors].map(([name, t]) => {
    const ref = references.get(name);
    if (ref === undefined) throw new Error(`${reference} has no tensor '${name}'`);
    expect(t.shape, name).to.deep.equal(ref.shape);
    return [name, maxAbsDiff(t.data, ref.data) / maxAbs(ref.data)];
  });
}
