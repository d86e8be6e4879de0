/**
 * MultiSwinHead, the decoder of MSwin ("Self-attention on Multi-Shifted Windows for Scene Segmentation", arXiv
 * 2207.04403; github yutao1008/MSwin, mmseg/models/decode_heads/mswin_head.py), with its state names:
 * 1×1 ConvModules `lateral_convs.{0,1,2}` / `l_conv4` (always SyncBN + ReLU) -> an FPN top-down pass -> one mmseg
 * SwinBlock per level below the top (`fpn_swins.{i}`, window 7, no shift) -> the four levels resized to 1/4 and summed
 * -> `multi_swin` (window attention at every size of `window_sizes`, unshifted and shifted by w//2, aggregated by
 * `mode`) -> `conv_seg`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { FFN, LayerNorm, Linear, Module, ModuleList, ShiftWindowMSA, SwinBlock, concat, resizeLike, topDown } from '../lib/nn/index.js';
import { ConvModule } from '../lib/nn/conv-module.js';
import { choice, constant, defineOptions, option, optional, type OptionsInput } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { convNormCfg, lnNormCfg, positiveInt, positiveInts } from '../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../lib/registry.js';
import { BaseDecodeHead, DecodeHeadOptions } from './decode-head.js';

/** How MultiSwinBlock aggregates its window attentions: MSwin-P, MSwin-S and MSwin-C of the paper. */
export type MultiSwinMode = 'par' | 'seq' | 'crs';

/**
 * The multi-shifted-window block on the fused 1/4 map, two attentions per window size w (`attns.{2i}` unshifted,
 * `attns.{2i+1}` shifted by w//2):
 * - `par`: every attention on the same LN(x), each plus x, concatenated, `reduce` (no bias), then x + FFN(LN(x));
 * - `seq`: full pre-norm Swin blocks one after another (`norm1s.k`, `attns.k`, `norm2s.k`, `ffns.k`);
 * - `crs`: as seq with cross-attention (the query is LN(x) itself; `qkv` projects keys and values only), and each
 *   block's input is the sum of the block input and every previous block's output.
 */
export class MultiSwinBlock extends Module {
  readonly attns: ModuleList<ShiftWindowMSA>;
  readonly norm1?: LayerNorm;
  readonly reduce?: Linear;
  readonly norm2?: LayerNorm;
  readonly ffn?: FFN;
  readonly norm1s?: ModuleList<LayerNorm>;
  readonly norm2s?: ModuleList<LayerNorm>;
  readonly ffns?: ModuleList<FFN>;

  constructor(dim: number, numHeads: number, feedforwardChannels: number, readonly mode: MultiSwinMode, windowSizes: number[]) {
    super();
    const queryFromInput = mode === 'crs';
    const attns = windowSizes.flatMap((w) => [0, Math.floor(w / 2)].map((s) => new ShiftWindowMSA(dim, numHeads, w, s, { queryFromInput })));
    this.attns = this.addModule('attns', new ModuleList(attns));
    const many = <M extends Module>(make: () => M) => new ModuleList(attns.map(make));
    if (mode === 'par') {
      this.norm1 = this.addModule('norm1', new LayerNorm(dim));
      this.reduce = this.addModule('reduce', new Linear(dim * attns.length, dim, false));
      this.norm2 = this.addModule('norm2', new LayerNorm(dim));
      this.ffn = this.addModule('ffn', new FFN(dim, feedforwardChannels));
    } else {
      this.norm1s = this.addModule('norm1s', many(() => new LayerNorm(dim)));
      this.norm2s = this.addModule('norm2s', many(() => new LayerNorm(dim)));
      this.ffns = this.addModule('ffns', many(() => new FFN(dim, feedforwardChannels)));
    }
  }

  /** [B, H, W, C] -> [B, H, W, C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => (this.mode === 'par' ? this.#parallel(x) : this.#sequential(x, this.mode === 'crs')));
  }

  #parallel(x: tf.Tensor4D): tf.Tensor4D {
    const normed = this.norm1!.forward(x) as tf.Tensor4D;
    const branches = this.attns.items.map((attn) => tf.add(attn.forward(normed), x));
    const reduced = this.reduce!.forward(concat(branches, -1));
    return tf.add(reduced, this.ffn!.forward(this.norm2!.forward(reduced))) as tf.Tensor4D;
  }

  /** The blocks in order; `dense`: each block reads the sum of the input and all previous outputs. */
  #sequential(x: tf.Tensor4D, dense: boolean): tf.Tensor4D {
    let sum = x;
    let out = x;
    this.attns.items.forEach((attn, k) => {
      const input = dense ? sum : out;
      const y = tf.add(input, attn.forward(this.norm1s!.items[k].forward(input) as tf.Tensor4D));
      out = tf.add(y, this.ffns!.items[k].forward(this.norm2s!.items[k].forward(y))) as tf.Tensor4D;
      if (dense) sum = tf.add(sum, out);
    });
    return out;
  }
}

export const MultiSwinHeadOptions = defineOptions(
  'MultiSwinHead',
  'MSwin: FPN with a Swin block per level, levels summed at 1/4, then attention on multi-shifted windows (mode par / seq / crs)',
  {
    ...DecodeHeadOptions.properties,
    num_heads: option(positiveInt, 8, 'attention heads of every Swin block and window attention; must divide channels'),
    window_sizes: option(positiveInts, [5, 7, 12], 'window sizes of multi_swin, each attended unshifted and shifted by w//2'),
    mode: option(choice(['par', 'seq', 'crs']), 'seq', 'aggregation: par (MSwin-P), seq (MSwin-S) or crs (MSwin-C, cross-attention)'),
    norm_cfg: optional(
      Type.Union([lnNormCfg, convNormCfg]),
      'accepted as in the official configs ({type: LN}); unused there too: the 1×1 convs always use SyncBN, the Swin blocks LN',
    ),
    in_index: option(Type.Array(Type.Integer(), { minItems: 1 }), [0, 1, 2, 3], 'the backbone outputs the head reads, finest first'),
    input_transform: option(constant('multiple_select'), 'multiple_select', 'only multiple_select: one lateral conv per level'),
  },
);
export type MultiSwinHeadOptions = OptionsInput<typeof MultiSwinHeadOptions>;

/** The official head's 1×1 convs: SyncBN whatever the config's norm_cfg (BatchNorm on one device). */
const SYNC_BN = { type: 'SyncBN' } as const;

export class MultiSwinHead extends BaseDecodeHead {
  readonly lateralConvs: ModuleList<ConvModule>;
  readonly fpnSwins: ModuleList<SwinBlock>;
  readonly lConv4: ConvModule;
  readonly multiSwin: MultiSwinBlock;

  constructor(options: MultiSwinHeadOptions, ctx?: BuildContext) {
    const o = resolveOptions(MultiSwinHeadOptions, options, ctx);
    const path = ctx?.path ?? 'MultiSwinHead';
    if (o.channels % o.num_heads !== 0) {
      throw new Error(`${path}.channels: ${o.channels} is not divisible by num_heads ${o.num_heads}; pick channels = k·num_heads`);
    }
    super({ ...o, input_transform: 'multiple_select', norm_cfg: null });
    const inChannels = this.inChannels as number[];
    const lateral = (c: number) => new ConvModule(c, this.channels, 1, { normCfg: SYNC_BN, actCfg: this.actCfg });
    const below = inChannels.slice(0, -1);
    this.lateralConvs = this.addModule('lateral_convs', new ModuleList(below.map(lateral)));
    this.fpnSwins = this.addModule('fpn_swins', new ModuleList(below.map(() => new SwinBlock(this.channels, o.num_heads, this.channels))));
    this.lConv4 = this.addModule('l_conv4', lateral(inChannels[inChannels.length - 1]));
    this.multiSwin = this.addModule('multi_swin', new MultiSwinBlock(this.channels, o.num_heads, this.channels, o.mode, o.window_sizes));
  }

  forward(inputs: tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const xs = this.transformInputs(inputs);
      const lateral = this.lateralConvs.items.map((conv, i) => conv.forward(xs[i]) as tf.Tensor4D);
      const laterals = topDown([...lateral, this.lConv4.forward(xs[xs.length - 1]) as tf.Tensor4D], this.alignCorners);
      const outs = this.fpnSwins.items.map((block, i) => block.forward(laterals[i]));
      outs.push(laterals[laterals.length - 1]);
      const fused = tf.addN(outs.map((x, i) => (i === 0 ? x : resizeLike(x, outs[0], this.alignCorners))));
      return this.clsSeg(this.multiSwin.forward(fused));
    });
  }
}

registries.head.register('MultiSwinHead', { schema: MultiSwinHeadOptions, build: (o, ctx) => new MultiSwinHead(o, ctx) });
