/** Tensors in and out of safetensors files in PyTorch's NCHW layout, for comparison with PyTorch. */
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, writeSafetensors, type TensorRecord } from '../../lib/weights/index.js';

/** Read float32 NCHW tensor `name` from a safetensors file, as NHWC. */
export function readNchw(file: string, name: string): tf.Tensor4D {
  const record = readSafetensors(file).tensors.get(name);
  if (!record) throw new Error(`${file}: no tensor named '${name}'`);
  if (record.shape.length !== 4 || !(record.data instanceof Float32Array)) {
    throw new Error(`${file}: '${name}' must be a float32 NCHW tensor, got ${record.dtype} [${record.shape}]`);
  }
  return tf.tidy(() => tf.transpose(tf.tensor4d(record.data as Float32Array, record.shape as [number, number, number, number]), [0, 2, 3, 1]));
}

/** Write NHWC tensors as float32 NCHW records. */
export function writeNchw(file: string, tensors: [string, tf.Tensor4D][]): void {
  const records = new Map<string, TensorRecord>();
  for (const [name, t] of tensors) {
    const nchw = tf.transpose(t, [0, 3, 1, 2]);
    records.set(name, { dtype: 'F32', shape: nchw.shape, data: nchw.dataSync() as Float32Array });
    nchw.dispose();
  }
  writeSafetensors(file, records);
}
