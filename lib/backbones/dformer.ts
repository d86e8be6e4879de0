/**
 * D-Former (Wu et al., "D-Former: a U-shaped Dilated Transformer for 3D medical image segmentation", Neural Computing
 * and Applications 2022, arXiv 2201.00462; github kkk55596/D-Former, model.py `DFormer3D`): the dilated 3D
 * transformer's encoder and its Swin-UNet-style decoder, which the official code keeps together as `model_down`.
 * - Encoder: PatchEmbed3D, then per stage PosCNN, blocks alternating LS-MSA and GS-MSA, PatchMerging; `norm` on the
 *   bottleneck.
 * - Decoder: PatchExpand3D, then per level the skip (the mirrored encoder stage's input) concatenated, Linear 2C -> C
 *   (`concat_back_dim`), the mirrored stage's blocks and PatchExpand3D; `norm_up` on the last.
 * The outputs, finest first, are what the official forward returns in reverse: norm_up(last level) [B, D/pd, H/ph,
 * W/pw, C], then the decoder levels at 1/2 (2C) and 1/4 (4C) of that grid; heads/dformer.ts turns them into logits.
 * Layers in lib/backbones/dformer-layers.ts, group attention in lib/backbones/dformer-attention.ts. Official
 * checkpoints load by name (`model_down.*`; lib/segmentors/encoder-decoder-3d.ts maps a whole SegNetwork's).
 * Parameters keep PyTorch's default init, as the official code (its trunc_normal init runs only with 2D pretraining).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { Dropout, Identity, LayerNorm, Linear, Module, ModuleList } from '../nn/index.js';
import { defineOptions, option, type OptionsInput, type ResolvedOptions } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { positive, positiveInt, positiveInts, probability, sizeTriple } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import { renameKeys, type CheckpointAdapter } from '../weights/adapt.js';
import { applyInitCfg, initCfgOption } from './init-cfg.js';
import { DFormerStage, PatchEmbed3D, PatchExpand3D } from './dformer-layers.js';

type Triple = [number, number, number];

export const DFormerOptions = defineOptions(
  'DFormer',
  "D-Former's dilated 3D transformer (official DFormer3D, `model_down`): encoder stages alternating local and dilated " +
    'group attention, and the U-shaped decoder; volumes [B, D, H, W, C]',
  {
    in_channels: option(positiveInt, 1, 'input channels (1 for CT or MRI)'),
    embed_dims: option(positiveInt, 96, 'width of stage 0; stage i has embed_dims·2^i'),
    depths: option(positiveInts, [2, 2, 6, 2], 'blocks per stage (the decoder mirrors them)'),
    num_heads: option(positiveInts, [3, 6, 12, 24], 'attention heads per stage'),
    patch_size: option(sizeTriple, [2, 4, 4], 'patch embedding (D, H, W); also the final upsampling'),
    group_size: option(sizeTriple, [2, 8, 8], 'tokens per attention group (D, H, W); SegNetwork passes (2, 8, 8)'),
    interval_list: option(positiveInts, [8, 4, 2, 1], "per stage, the multiple GS-MSA pads the volume to"),
    mlp_ratio: option(positive, 4, 'MLP width / channels'),
    qkv_bias: option(Type.Boolean(), true, 'bias in the qkv projection'),
    drop_rate: option(probability, 0, 'dropout after the embedding, attention projections and MLPs'),
    attn_drop_rate: option(probability, 0, 'dropout on attention weights'),
    drop_path_rate: option(probability, 0, 'stochastic depth, rising linearly over the encoder blocks; a decoder stage takes its mirror’s'),
    init_cfg: initCfgOption,
  },
);
export type DFormerOptions = OptionsInput<typeof DFormerOptions>;
type Resolved = ResolvedOptions<typeof DFormerOptions>;

/** `torch.linspace(0, end, n)` */
const linspace = (end: number, n: number) => Array.from({ length: n }, (_, i) => (n > 1 ? (end * i) / (n - 1) : 0));

/** An official SegNetwork checkpoint's `model_down.*` relative to DFormer (its `final.*` heads left out). */
const fromSegNetwork: CheckpointAdapter = {
  adapt(state) {
    if (![...state.keys()].some((key) => key.startsWith('model_down.'))) return state;
    const encoder = new Map([...state].filter(([key]) => key.startsWith('model_down.')));
    return renameKeys(encoder, [[/^model_down\./, '']]);
  },
};

export class DFormer extends Module {
  /** An official SegNetwork state dict loads into DFormer alone (its model_down part). */
  static override readonly checkpointAdapter = fromSegNetwork;

  readonly volumetric = true;
  readonly patchEmbed: PatchEmbed3D;
  readonly posDrop: Dropout;
  readonly layers: ModuleList<DFormerStage>;
  readonly layersUp: ModuleList<DFormerStage | PatchExpand3D>;
  readonly concatBackDim: ModuleList<Linear | Identity>;
  readonly norm: LayerNorm;
  readonly normUp: LayerNorm;
  readonly patchSize: Triple;
  /** Widths of the outputs, finest first: C, 2C, 4C. */
  readonly channels: number[];
  readonly #path: string;

  constructor(options: DFormerOptions = {}, ctx?: BuildContext) {
    super();
    const o = resolveOptions(DFormerOptions, options, ctx);
    this.#path = ctx?.path ?? 'DFormer';
    checkOptions(o, this.#path);
    const stages = o.depths.length;
    const width = (i: number) => o.embed_dims * 2 ** i;
    this.patchSize = o.patch_size;
    this.channels = [0, 1, 2].map(width);
    this.patchEmbed = this.addModule('patch_embed', new PatchEmbed3D(o.patch_size, o.in_channels, o.embed_dims));
    this.posDrop = this.addModule('pos_drop', new Dropout(o.drop_rate));
    const dpr = linspace(o.drop_path_rate, o.depths.reduce((a, b) => a + b, 0));
    const stage = (i: number, resample: 'downsample' | 'upsample' | null, where: string) => {
      const start = o.depths.slice(0, i).reduce((a, b) => a + b, 0);
      return new DFormerStage({
        dim: width(i), depth: o.depths[i], numHeads: o.num_heads[i], groupSize: o.group_size, interval: o.interval_list[i],
        mlpRatio: o.mlp_ratio, qkvBias: o.qkv_bias, drop: o.drop_rate, attnDrop: o.attn_drop_rate,
        dropPath: dpr.slice(start, start + o.depths[i]), resample, where: `${this.#path}.${where}`,
      });
    };
    const encoder = o.depths.map((_, i) => stage(i, i < stages - 1 ? 'downsample' : null, `layers.${i}`));
    this.layers = this.addModule('layers', new ModuleList(encoder));
    // decoder level k mirrors encoder stage S-1-k; level 0 is only the expansion of the bottleneck
    const mirror = (k: number) => stages - 1 - k;
    const up = o.depths.map((_, k) =>
      k === 0
        ? new PatchExpand3D(width(mirror(0)), [2, 2, 2], width(mirror(0)) / 2)
        : stage(mirror(k), k < stages - 1 ? 'upsample' : null, `layers_up.${k}`),
    );
    this.layersUp = this.addModule('layers_up', new ModuleList<DFormerStage | PatchExpand3D>(up));
    const concat = o.depths.map((_, k) => (k === 0 ? new Identity() : new Linear(2 * width(mirror(k)), width(mirror(k)))));
    this.concatBackDim = this.addModule('concat_back_dim', new ModuleList<Linear | Identity>(concat));
    this.norm = this.addModule('norm', new LayerNorm(width(stages - 1)));
    this.normUp = this.addModule('norm_up', new LayerNorm(o.embed_dims));
  }

  /**
   * x [B, D, H, W, C_in] -> the decoder's outputs, finest first: [B, d, h, w, C] (after norm_up), [B, d/2, h/2, w/2,
   * 2C], [B, d/4, h/4, w/4, 4C], with d×h×w the patch grid (the input padded to the patch size, divided by it).
   */
  forward(x: tf.Tensor5D): tf.Tensor5D[] {
    this.#checkInput(x);
    return tf.tidy(() => {
      let h = this.posDrop.forward(this.patchEmbed.forward(x)) as tf.Tensor5D;
      const skips: tf.Tensor5D[] = [];
      for (const layer of this.layers.items) {
        skips.push(h);
        h = layer.forward(h);
      }
      h = this.norm.forward(h) as tf.Tensor5D;
      const levels: tf.Tensor5D[] = [];
      this.layersUp.items.forEach((layer, k) => {
        if (k > 0) h = this.concatBackDim.at(k).forward(tf.concat([h, skips[skips.length - 1 - k]], -1)) as tf.Tensor5D;
        h = layer.forward(h);
        if (k < 2) levels.push(h);
      });
      return [this.normUp.forward(h) as tf.Tensor5D, levels[1], levels[0]];
    });
  }

  /** The official decoder concatenates each skip with an upsampled level: every stage must halve evenly. */
  #checkInput(x: tf.Tensor5D): void {
    if (x.rank !== 5 || x.shape[4] !== this.patchEmbed.proj.inChannels) {
      throw new Error(`${this.#path} takes volumes [B, D, H, W, ${this.patchEmbed.proj.inChannels}], got [${x.shape}]`);
    }
    const halvings = 2 ** (this.layers.length - 1);
    const grid = x.shape.slice(1, 4).map((n, i) => Math.ceil(n / this.patchSize[i]));
    if (grid.every((n) => n % halvings === 0)) return;
    const multiple = this.patchSize.map((p) => p * halvings);
    throw new Error(
      `${this.#path}: a ${x.shape.slice(1, 4).join('×')} volume gives a ${grid.join('×')} patch grid, which ${this.layers.length} ` +
        `stages cannot halve ${this.layers.length - 1} times evenly (the decoder joins each level with its skip); pad or crop ` +
        `the volume to a multiple of ${multiple.join('×')} (Pad3D, RandomCrop3D, or a sliding-window patch of that size)`,
    );
  }
}

function checkOptions(o: Resolved, path: string): void {
  const n = o.depths.length;
  if (n !== 4) {
    throw new Error(`${path}.depths: ${n} stages; D-Former has 4 (its decoder returns the levels of stages 0-2 to the heads of SegNetwork)`);
  }
  for (const [key, list] of [['num_heads', o.num_heads], ['interval_list', o.interval_list]] as const) {
    if (list.length !== n) throw new Error(`${path}.${key}: ${list.length} values for ${n} stages (depths)`);
  }
  o.num_heads.forEach((heads, i) => {
    const width = o.embed_dims * 2 ** i;
    if (width % heads !== 0) throw new Error(`${path}.num_heads: stage ${i} width ${width} is not divisible by ${heads} heads`);
  });
  if (o.embed_dims % 2 !== 0) throw new Error(`${path}.embed_dims: ${o.embed_dims} is odd; PatchExpand3D halves the width`);
}

registries.backbone.register('DFormer', {
  schema: DFormerOptions,
  build: (o, ctx) => applyInitCfg(new DFormer(o, ctx), o.init_cfg, ctx),
});
