/** Tensors in and out of safetensors files in PyTorch's layouts (NCHW), for comparison with PyTorch. */
import type * as tf from '@tensorflow/tfjs-core';
import { channelsFirstRecord, channelsLast } from '../../lib/weights/channels.js';
import { readSafetensors, writeSafetensors, type TensorRecord } from '../../lib/weights/node.js';

/** Read float32 NCHW tensor `name` from a safetensors file, as NHWC. */
export function readNchw(file: string, name: string): tf.Tensor4D {
  return readChannelsFirst(file, name, 4) as tf.Tensor4D;
}

/** The float32 tensor `name` of a safetensors file, NCHW (rank 4) or NCDHW (rank 5), as NHWC / NDHWC. */
export function readChannelsFirst(file: string, name: string, rank: 4 | 5): tf.Tensor {
  const record = readSafetensors(file).tensors.get(name);
  if (!record) throw new Error(`${file}: no tensor named '${name}'`);
  if (record.shape.length !== rank || !(record.data instanceof Float32Array)) {
    const layout = rank === 4 ? 'NCHW' : 'NCDHW';
    throw new Error(`${file}: '${name}' must be a float32 ${layout} tensor, got ${record.dtype} [${record.shape}]`);
  }
  return channelsLast(record);
}

/**
 * Write tensors as float32 records in PyTorch's layout: NHWC maps as NCHW, NDHWC volumes as NCDHW, maps without
 * channels ([B, H, W]) as they are.
 */
export function writeTorchLayout(file: string, tensors: [string, tf.Tensor][]): void {
  const record = (t: tf.Tensor): TensorRecord =>
    t.rank >= 4 ? channelsFirstRecord(t) : { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
  writeSafetensors(file, new Map(tensors.map(([name, t]) => [name, record(t)])));
}
