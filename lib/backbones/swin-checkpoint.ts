/**
 * SwinTransformer's checkpoint adapter: official Swin checkpoints (classification and segmentation) and mmseg's own
 * SwinTransformer checkpoints (model zoo, MSwin) in segvit's names, which are the official ones.
 *
 * As the official mmcv_custom loader: `relative_position_index` and `attn_mask` buffers are dropped (recomputed here);
 * a `relative_position_bias_table` of another window size is resized bicubically ((2w-1)² rows -> (2w'-1)²);
 * a classification `absolute_pos_embed` [1, L, C] becomes [1, C, H, W].
 *
 * mmseg names (the inverse of mmseg's tools/model_converters/swin2mmseg.py): `patch_embed.projection` ->
 * `patch_embed.proj`, `stages.N` -> `layers.N`, `attn.w_msa.` -> `attn.`, `ffn.layers.0.0` -> `mlp.fc1`,
 * `ffn.layers.1` -> `mlp.fc2`; `norm0..3` and `downsample.{reduction,norm}` keep their names. mmseg's PatchMerging
 * gathers the 2×2 neighbourhood with `nn.Unfold(2, 2)`, so its 4C merged channels are ordered channel-major
 * (c·4 + kh·2 + kw) where the official concatenation is offset-major (g·C + c, offsets x0..x3 = (kh, kw) (0,0), (1,0),
 * (0,1), (1,1)): `downsample.reduction.weight` columns and `downsample.norm` are reordered accordingly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { interpolate } from '../nn/resize.js';
import type { Module } from '../nn/module.js';
import { renameKeys, type CheckpointAdapter, type StateDict } from '../weights/adapt.js';
import type { TensorData, TensorRecord } from '../weights/record.js';

/** Buffers of official and mmseg checkpoints that segvit recomputes instead of loading. */
const RECOMPUTED = /(^|\.)(relative_position_index|attn_mask)$/;

/** mmseg SwinTransformer names -> official names, applied in order. */
const MMSEG_RENAMES: [RegExp, string][] = [
  [/^patch_embed\.projection\./, 'patch_embed.proj.'],
  [/^stages\.(\d+)\./, 'layers.$1.'],
  [/\.attn\.w_msa\./, '.attn.'],
  [/\.ffn\.layers\.0\.0\./, '.mlp.fc1.'],
  [/\.ffn\.layers\.1\./, '.mlp.fc2.'],
];

/** mmseg's PatchMerging tensors whose 4C axis is in `nn.Unfold` order. */
const MMSEG_UNFOLD_ORDER = /^stages\.\d+\.downsample\.(reduction\.weight|norm\.weight|norm\.bias)$/;

/** The unfold position (kh·2 + kw) of each official offset group x0..x3: (0,0), (1,0), (0,1), (1,1). */
const UNFOLD_POSITION = [0, 2, 1, 3];

/**
 * A tensor whose last axis holds 4C merged channels in `nn.Unfold` order (c·4 + position), with that axis reordered
 * to the official concatenation order (group·C + c).
 */
export function unfoldToConcatOrder(record: TensorRecord): TensorRecord {
  const width = record.shape[record.shape.length - 1];
  const c = width / 4;
  if (!Number.isInteger(c)) throw new Error(`merged channels: last axis ${width} of [${record.shape}] is not 4·C`);
  const source = record.data;
  const data = new (source.constructor as new (length: number) => TensorData)(source.length);
  for (let row = 0; row < source.length; row += width) {
    for (let g = 0; g < 4; g++) {
      for (let ch = 0; ch < c; ch++) data[row + g * c + ch] = source[row + ch * 4 + UNFOLD_POSITION[g]];
    }
  }
  return { ...record, data };
}

/** Checkpoint keys in mmseg's SwinTransformer names as official names, PatchMerging channels reordered. */
function fromMmsegNames(tensors: StateDict): StateDict {
  const reordered = new Map<string, TensorRecord>();
  for (const [key, record] of tensors) reordered.set(key, MMSEG_UNFOLD_ORDER.test(key) ? unfoldToConcatOrder(record) : record);
  return renameKeys(reordered, MMSEG_RENAMES);
}

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
  for (const [key, record] of fromMmsegNames(tensors)) {
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
