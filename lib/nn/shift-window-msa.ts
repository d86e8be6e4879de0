/**
 * mmseg 0.x's Swin pieces under their own state names, as MSwin's head uses them: ShiftWindowMSA (the (shifted)
 * window attention `w_msa.{relative_position_bias_table, qkv, proj}`) and SwinBlock (`norm1`, `attn`, `norm2`,
 * `ffn.layers.*`). Their dropouts and DropPath are left out: MSwin builds them all with rate 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { LayerNorm } from './norm.js';
import { FFN } from './ffn.js';
import { WindowAttention } from './window-attention.js';
import { shiftedMaskCache, windowedAttention } from './window.js';
import { add } from './add.js';

export class ShiftWindowMSA extends Module {
  readonly wMsa: WindowAttention;
  readonly #mask: (h: number, w: number) => tf.Tensor3D;

  /** queryFromInput: MSwin's PartialShiftWindowMSA, whose query is the input itself (see WindowAttention). */
  constructor(
    dim: number,
    numHeads: number,
    readonly windowSize: number,
    readonly shiftSize = 0,
    options: { queryFromInput?: boolean } = {},
  ) {
    super();
    if (!(Number.isInteger(shiftSize) && shiftSize >= 0 && shiftSize < windowSize)) {
      throw new Error(`ShiftWindowMSA: shift_size must be an integer in [0, ${windowSize}), got ${shiftSize}`);
    }
    this.wMsa = this.addModule('w_msa', new WindowAttention(dim, windowSize, numHeads, options));
    this.#mask = shiftedMaskCache(windowSize, shiftSize, (m) => this.addConstant(m));
  }

  /** A normalised map [B, H, W, C] -> [B, H, W, C]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const mask = this.shiftSize > 0 ? this.#mask(x.shape[1], x.shape[2]) : undefined;
    return windowedAttention(x, this.windowSize, this.shiftSize, (windows, m) => this.wMsa.forward(windows, m), mask);
  }
}

/** mmseg's SwinBlock: x + W-MSA(LN(x)), then x + FFN(LN(x)); window 7 and no shift by default. */
export class SwinBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: ShiftWindowMSA;
  readonly norm2: LayerNorm;
  readonly ffn: FFN;

  constructor(dim: number, numHeads: number, feedforwardChannels: number, options: { windowSize?: number; shift?: boolean } = {}) {
    super();
    const ws = options.windowSize ?? 7;
    this.norm1 = this.addModule('norm1', new LayerNorm(dim));
    this.attn = this.addModule('attn', new ShiftWindowMSA(dim, numHeads, ws, options.shift ? Math.floor(ws / 2) : 0));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim));
    this.ffn = this.addModule('ffn', new FFN(dim, feedforwardChannels));
  }

  /** [B, H, W, C] -> [B, H, W, C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const x1 = add(x, this.attn.forward(this.norm1.forward(x) as tf.Tensor4D));
      return add(x1, this.ffn.forward(this.norm2.forward(x1))) as tf.Tensor4D;
    });
  }
}
