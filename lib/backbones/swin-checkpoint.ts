/**
 * SwinTransformer's checkpoint adapter: official Swin checkpoints (classification and segmentation) as segvit's Swin
 * holds them.
 *
 * As the official mmcv_custom loader: `relative_position_index` and `attn_mask` buffers are dropped (recomputed here);
 * a `relative_position_bias_table` of another window size is resized bicubically ((2w-1)² rows -> (2w'-1)²);
 * a classification `absolute_pos_embed` [1, L, C] becomes [1, C, H, W].
 */
import * as tf from '@tensorflow/tfjs-core';
import { interpolate } from '../nn/resize.js';
import type { Module } from '../nn/module.js';
import type { CheckpointAdapter, StateDict } from '../weights/adapt.js';
import type { TensorRecord } from '../weights/record.js';

/** Buffers of official checkpoints that segvit recomputes instead of loading. */
const RECOMPUTED = /(^|\.)(relative_position_index|attn_mask)$/;

/** [L1, heads] table of a (2w-1)² grid -> [L2, heads] for the model's grid, bicubic (align_corners false). */
function resizeBiasTable(record: TensorRecord, rows: number): TensorRecord {
  const [l1, heads] = record.shape;
  const [s1, s2] = [Math.round(Math.sqrt(l1)), Math.round(Math.sqrt(rows))];
  const data = tf.tidy(() => {
    const grid = tf.reshape(tf.tensor2d(record.data as Float32Array, [l1, heads]), [1, s1, s1, heads]) as tf.Tensor4D;
    return interpolate(grid, { size: [s2, s2], mode: 'bicubic' }).dataSync() as Float32Array;
  });
  return { dtype: 'F32', shape: [rows, heads], data };
}

/** [1, L, C] (classification checkpoints) -> [1, C, H, W] (the segmentation backbone's layout). */
function tokensToGrid(record: TensorRecord): TensorRecord {
  const [n, l, c] = record.shape;
  const side = Math.round(Math.sqrt(l));
  const data = tf.tidy(
    () =>
      tf.transpose(tf.reshape(tf.tensor(record.data as Float32Array, record.shape), [n, side, side, c]), [0, 3, 1, 2]).dataSync() as Float32Array,
  );
  return { dtype: 'F32', shape: [n, c, side, side], data };
}

/**
 * The checkpoint tensors (keys relative to the Swin `model`) in the official names, without recomputed buffers, with
 * tables and position embeddings fitted to `model`'s shapes. Keys it does not know pass through unchanged.
 */
export function adaptSwinCheckpoint(tensors: StateDict, model: Module): Map<string, TensorRecord> {
  const shapes = new Map([...model.namedState()].map(([k, e]) => [k, e.variable.shape]));
  const out = new Map<string, TensorRecord>();
  for (const [key, record] of tensors) {
    const want = shapes.get(key);
    if (RECOMPUTED.test(key)) continue;
    if (want && key.endsWith('relative_position_bias_table') && record.shape[0] !== want[0]) {
      out.set(key, resizeBiasTable(record, want[0]));
    } else if (want && key.endsWith('absolute_pos_embed') && record.shape.length === 3) {
      out.set(key, tokensToGrid(record));
    } else {
      out.set(key, record);
    }
  }
  return out;
}

export const swinCheckpointAdapter: CheckpointAdapter = {
  adapt: (state, module) => adaptSwinCheckpoint(state, module),
};
