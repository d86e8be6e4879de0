import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Linear } from './linear.js';
import { Dropout } from './dropout.js';
import { truncNormal } from './init.js';
import { relativePositionIndex } from './window.js';
import { add } from './add.js';

export interface WindowAttentionOptions {
  qkvBias?: boolean;
  /** Overrides head_dim^-0.5. */
  qkScale?: number | null;
  attnDrop?: number;
  projDrop?: number;
  /**
   * MSwin's PartialWindowMSA (cross-attention): the query is the input itself, split into heads; `qkv` projects
   * only keys and values ([2C, C]).
   */
  queryFromInput?: boolean;
}

/**
 * Window-based multi-head self-attention with relative position bias (Swin's W-MSA / SW-MSA).
 * Parameters: `relative_position_bias_table` [(2ws-1)², heads], `qkv`, `proj`. The position index is a
 * constant here, not state (official checkpoints carry it as a buffer; the loader ignores it).
 */
export class WindowAttention extends Module {
  readonly relativePositionBiasTable: tf.Variable;
  readonly qkv: Linear;
  readonly attnDrop: Dropout;
  readonly proj: Linear;
  readonly projDrop: Dropout;
  readonly scale: number;
  readonly queryFromInput: boolean;
  readonly #index: tf.Tensor1D;

  constructor(
    readonly dim: number,
    readonly windowSize: number,
    readonly numHeads: number,
    options: WindowAttentionOptions = {},
  ) {
    super();
    this.scale = options.qkScale ?? (dim / numHeads) ** -0.5;
    this.relativePositionBiasTable = this.addParameter(
      'relative_position_bias_table',
      truncNormal([(2 * windowSize - 1) ** 2, numHeads], 0.02),
    );
    this.queryFromInput = options.queryFromInput ?? false;
    this.qkv = this.addModule('qkv', new Linear(dim, dim * (this.queryFromInput ? 2 : 3), options.qkvBias ?? true));
    this.attnDrop = this.addModule('attn_drop', new Dropout(options.attnDrop ?? 0));
    this.proj = this.addModule('proj', new Linear(dim, dim));
    this.projDrop = this.addModule('proj_drop', new Dropout(options.projDrop ?? 0));
    this.#index = this.addConstant(tf.tensor1d(relativePositionIndex(windowSize), 'int32'));
  }

  /** The bias added to every window's logits: [heads, N, N], N = ws². */
  relativePositionBias(): tf.Tensor3D {
    const n = this.windowSize ** 2;
    return tf.tidy(() =>
      tf.transpose(tf.reshape(tf.gather(this.relativePositionBiasTable, this.#index), [n, n, this.numHeads]), [2, 0, 1]),
    );
  }

  /** q, k, v of windows [B·nW, N, C], each [B·nW, heads, N, head_dim]. */
  #queryKeyValue(x: tf.Tensor3D): tf.Tensor4D[] {
    const [bw, n, c] = x.shape;
    const h = this.numHeads;
    const parts = this.queryFromInput ? 2 : 3;
    // [B·nW, N, parts·C] -> [parts, B·nW, heads, N, head_dim]
    const projected = tf.unstack(tf.transpose(tf.reshape(this.qkv.forward(x), [bw, n, parts, h, c / h]), [2, 0, 3, 1, 4]));
    if (!this.queryFromInput) return projected as tf.Tensor4D[];
    return [tf.transpose(tf.reshape(x, [bw, n, h, c / h]), [0, 2, 1, 3]), ...projected] as tf.Tensor4D[];
  }

  /**
   * x: [B·nW, N, C] windows; mask: [nW, N, N] (0 / -100) for shifted windows, or undefined.
   * Returns [B·nW, N, C].
   */
  forward(x: tf.Tensor3D, mask?: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [bw, n, c] = x.shape;
      const h = this.numHeads;
      const [q, k, v] = this.#queryKeyValue(x);
      let attn = add(tf.matMul(tf.mul(q, this.scale), k, false, true), this.relativePositionBias());
      if (mask) {
        const nW = mask.shape[0];
        attn = tf.reshape(add(tf.reshape(attn, [bw / nW, nW, h, n, n]), tf.expandDims(mask, 1)), [bw, h, n, n]);
      }
      const weights = this.attnDrop.forward(tf.softmax(attn));
      const out = tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [bw, n, c]);
      return this.projDrop.forward(this.proj.forward(out)) as tf.Tensor3D;
    });
  }
}
