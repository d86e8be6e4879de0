/**
 * Feature Pyramid Transformer (FPT), the decoder of FTN (arXiv 2106.04108), as the mmsegmentation port builds it
 * (`FeaturePyramidTransformerHead`, on FPN neck outputs; parameter names are the port's).
 *
 * One branch per pyramid level, coarsest first: branch b starts at inputs[-1-b] and runs stages of transformer blocks
 * with spatial-reduction attention (PVT's SRA: keys and values from a map shrunk by a strided conv), each stage but
 * the last followed by ×2 bilinear upsampling, so that every branch ends at the finest level (1/8 with FTN's
 * out_indices 1..3). The branches are summed, then Dropout2d and conv_seg (BaseDecodeHead).
 *
 * Differences from the port, none of which changes a result the port can produce:
 * - The upsampling between stages goes to the size of the next finer pyramid level when there is one: that is the
 *   port's ×2 whenever the sides halve exactly (inputs multiple of 32), and keeps the branches summable otherwise,
 *   where the port fails.
 * - The port turns each stage's (B, N, C) tokens back into a map with `view(B, H, W, C).permute(0, 3, 2, 1)`, which is
 *   (B, C, W, H): the map is transposed after every stage, so branches with an even number of stages end transposed
 *   relative to the others before the sum (it only runs on square maps). segvit keeps maps upright; `portTranspose`
 *   reproduces the port exactly (square maps only), for weights trained with it.
 * The port, which these follow, feeds the head from mmseg's FPN neck (512 channels) on PGT's 1/8, 1/16 and 1/32 levels
 * and fuses at 1/8. Whether the paper's FPT reads the PGT levels directly or fuses at 1/4 could not be checked here
 * (only its abstract was readable); where they may differ, the port is followed.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2d,
  DropPath,
  Dropout,
  Dropout2d,
  FFN,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  init,
  initTransformerWeights,
  interpolate,
  QKVAttention,
} from '../lib/nn/index.js';
import { Type } from '@sinclair/typebox';
import { defineOptions, nullable, option, optional, type OptionsInput } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { geluActCfg, lnNormCfg, positive, positiveInt, probability, sizePair } from '../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../lib/registry.js';
import { BaseDecodeHead, DecodeHeadOptions } from './decode-head.js';

/**
 * Spatial-reduction multi-head attention (SR-MSA): queries from every token; keys and values from the map reduced by
 * `sr` (Conv2d k = s = ratio, then `norm` LN) when the ratio is above 1.
 */
export class SRMSA extends QKVAttention {
  readonly sr?: Conv2d;
  readonly norm?: LayerNorm;

  constructor(
    embedDims: number,
    numHeads: number,
    readonly srRatio: number,
    o: { qkvBias: boolean; qkScale: number | null; attnDrop: number; projDrop: number },
  ) {
    super(embedDims, numHeads, o);
    if (srRatio > 1) {
      this.sr = this.addModule('sr', new Conv2d(embedDims, embedDims, srRatio, { stride: srRatio }));
      this.norm = this.addModule('norm', new LayerNorm(embedDims));
    }
  }

  /** [B, H, W, C] -> [B, H, W, C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      if (this.sr && (h < this.srRatio || w < this.srRatio)) {
        throw new Error(`FPT: a ${h}x${w} map is smaller than the spatial reduction ratio ${this.srRatio} (the input image is too small)`);
      }
      const tokens = (t: tf.Tensor) => tf.reshape(t, [b, -1, c]) as tf.Tensor3D;
      const reduced = this.sr && this.norm ? this.norm.forward(this.sr.forward(x)) : x; // [B, ⌊H/r⌋, ⌊W/r⌋, C]
      return this.project(tf.reshape(this.attend(tokens(x), tokens(reduced)), [b, h, w, c]) as tf.Tensor4D);
    });
  }
}

/** Pre-norm block: x + DropPath(SR-MSA(LN(x))), then x + DropPath(FFN(LN(x))). */
export class FPTBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: SRMSA;
  readonly norm2: LayerNorm;
  readonly ffn: FFN;
  readonly dropPath: DropPath;

  constructor(
    dim: number,
    numHeads: number,
    srRatio: number,
    o: { mlpRatio: number; numFcs: number; qkvBias: boolean; qkScale: number | null; drop: number; attnDrop: number; dropPath: number },
  ) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim));
    this.attn = this.addModule('attn', new SRMSA(dim, numHeads, srRatio, { qkvBias: o.qkvBias, qkScale: o.qkScale, attnDrop: o.attnDrop, projDrop: o.drop }));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim));
    this.ffn = this.addModule('ffn', new FFN(dim, Math.floor(o.mlpRatio * dim), o.numFcs, o.drop));
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const x1 = tf.add(x, this.dropPath.forward(this.attn.forward(this.norm1.forward(x) as tf.Tensor4D)));
      return tf.add(x1, this.dropPath.forward(this.ffn.forward(this.norm2.forward(x1)))) as tf.Tensor4D;
    });
  }
}

/** `nn.ParameterList`: parameters named `0`, `1`, ... */
class ParameterList extends Module {
  readonly items: tf.Variable[];

  constructor(values: tf.Tensor[]) {
    super();
    this.items = values.map((v, i) => this.addParameter(String(i), v));
  }
}

const intLists = Type.Array(Type.Array(Type.Integer({ minimum: 0 })), { minItems: 1 });

export const FPTHeadOptions = defineOptions(
  'FeaturePyramidTransformerHead',
  "FTN's Feature Pyramid Transformer: one branch per level from the coarsest, stages of spatial-reduction attention " +
    'blocks with ×2 bilinear upsampling between them, summed at the finest selected level, then conv_seg (the port\'s ' +
    'names). The port transposes the maps after every stage; segvit keeps them upright (see port_transpose)',
  {
    ...DecodeHeadOptions.properties,
    // The port consumes act_cfg and norm_cfg for its transformer blocks (GELU, LN); it has no ConvModule.
    act_cfg: optional(geluActCfg, 'only GELU (the blocks\' activation)'),
    norm_cfg: optional(lnNormCfg, 'only LN (the blocks\' norm)'),
    num_layers: option(intLists, [[1, 1, 1], [1, 1], [1]], 'blocks per stage of each branch, coarsest branch first'),
    num_heads: option(positiveInt, 4, 'attention heads of every block'),
    sra_ratios: option(intLists, [[2, 2, 2], [2, 2], [2]], 'spatial reduction ratio per stage, shaped as num_layers'),
    mlp_ratio: option(positive, 4, 'FFN width / channels'),
    num_fcs: option(Type.Integer({ minimum: 2 }), 2, 'Linear layers per FFN'),
    qkv_bias: option(Type.Boolean(), true, 'bias in the q and kv projections'),
    qk_scale: option(nullable(Type.Number()), null, 'attention scale; null: head_dim^-0.5'),
    drop_rate: option(probability, 0, 'dropout in attention projections, FFNs and after the APE'),
    attn_drop_rate: option(probability, 0, 'dropout on attention weights'),
    drop_path_rate: option(
      Type.Array(probability, { minItems: 1 }),
      [0.3, 0.2, 0.1],
      'highest stochastic depth of each branch, rising linearly over its blocks',
    ),
    use_ape: option(Type.Boolean(), false, 'a learned absolute position embedding per branch, resized to its input'),
    ape_sizes: option(Type.Array(sizePair), [[16, 16], [32, 32], [64, 64], [128, 128]], '[h, w] of each branch\'s APE'),
    init_std: option(positive, 0.02, 'std of the truncated-normal init of Linears and APEs'),
    port_transpose: option(
      Type.Boolean(),
      false,
      "reproduce the port's transposed maps after every stage (square inputs only), for weights trained with it",
    ),
  },
);
export type FPTHeadOptions = OptionsInput<typeof FPTHeadOptions>;

export class FeaturePyramidTransformerHead extends BaseDecodeHead {
  readonly branches: ModuleList<ModuleList<ModuleList<FPTBlock>>>;
  readonly apeEmbeds?: ParameterList;
  readonly apeDrops?: ModuleList<Dropout2d>;
  readonly portTranspose: boolean;

  constructor(options: FPTHeadOptions, ctx?: BuildContext) {
    const o = resolveOptions(FPTHeadOptions, options, ctx);
    super({ ...o, input_transform: 'multiple_select', norm_cfg: null, act_cfg: null });
    const { num_layers: numLayers, sra_ratios: sraRatios, drop_path_rate: dropPathRate } = o;
    const inChannels = this.inChannels as number[];
    if (inChannels.some((c) => c !== this.channels)) {
      throw new Error(`FeaturePyramidTransformerHead works at channels ${this.channels}: every in_channels must equal it, got [${inChannels}]`);
    }
    if (numLayers.length > inChannels.length) {
      throw new Error(`num_layers has ${numLayers.length} branches for ${inChannels.length} inputs (branch b starts at inputs[-1-b])`);
    }
    if (dropPathRate.length !== numLayers.length) throw new Error(`drop_path_rate needs one rate per branch (${numLayers.length})`);
    if (sraRatios.length !== numLayers.length || sraRatios.some((r, b) => r.length !== numLayers[b].length)) {
      throw new Error('sra_ratios must have the shape of num_layers (one ratio per stage of each branch)');
    }
    const blockOptions = {
      mlpRatio: o.mlp_ratio,
      numFcs: o.num_fcs,
      qkvBias: o.qkv_bias,
      qkScale: o.qk_scale,
      drop: o.drop_rate,
      attnDrop: o.attn_drop_rate,
    };
    const branches = numLayers.map((stages, b) => {
      const total = stages.reduce((x, y) => x + y, 0);
      const dpr = Array.from({ length: total }, (_, i) => (total > 1 ? (dropPathRate[b] * i) / (total - 1) : 0));
      let cur = 0;
      return new ModuleList(
        stages.map((count, s) => {
          const blocks = Array.from(
            { length: count },
            (_, i) => new FPTBlock(this.channels, o.num_heads, sraRatios[b][s], { ...blockOptions, dropPath: dpr[cur + i] }),
          );
          cur += count;
          return new ModuleList(blocks);
        }),
      );
    });
    this.branches = this.addModule('branches', new ModuleList(branches));
    const initStd = o.init_std;
    if (o.use_ape) {
      const sizes = o.ape_sizes;
      if (sizes.length < numLayers.length) throw new Error(`ape_sizes needs a size per branch (${numLayers.length})`);
      // Kept in the port's layout [1, C, h, w] so checkpoints load as they are; transposed in forward.
      this.apeEmbeds = this.addModule(
        'ape_embeds',
        new ParameterList(numLayers.map((_, b) => init.truncNormal([1, this.channels, ...sizes[b]], initStd))),
      );
      this.apeDrops = this.addModule('ape_drops', new ModuleList(numLayers.map(() => new Dropout2d(o.drop_rate))));
    }
    this.portTranspose = o.port_transpose;
    initTransformerWeights(this.branches, initStd);
  }

  /** Branch b's input with its APE added (resized bilinearly to the input), then Dropout2d. */
  #withApe(x: tf.Tensor4D, b: number): tf.Tensor4D {
    if (!this.apeEmbeds || !this.apeDrops) return x;
    const pos = tf.transpose(this.apeEmbeds.items[b], [0, 2, 3, 1]) as tf.Tensor4D;
    const resized = interpolate(pos, { size: [x.shape[1], x.shape[2]], alignCorners: this.alignCorners });
    return this.apeDrops.at(b).forward(tf.add(x, resized)) as tf.Tensor4D;
  }

  /** Neck outputs (the selected levels, finest first) -> logits [B, h, w, K] at the finest selected level. */
  forward(inputs: tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const xs = this.transformInputs(inputs);
      const last = xs.length - 1;
      if (this.portTranspose && xs.some((x) => x.shape[1] !== x.shape[2])) {
        throw new Error('portTranspose reproduces the port, which only runs on square maps');
      }
      const outs = this.branches.items.map((branch, b) => {
        let x = this.#withApe(xs[last - b], b);
        branch.items.forEach((stage, s) => {
          x = stage.items.reduce((h, block) => block.forward(h), x);
          if (this.portTranspose) x = tf.transpose(x, [0, 2, 1, 3]);
          if (s < branch.length - 1) {
            const finer = xs[last - b - s - 1];
            const size: [number, number] = finer ? [finer.shape[1], finer.shape[2]] : [2 * x.shape[1], 2 * x.shape[2]];
            x = interpolate(x, { size, alignCorners: this.alignCorners });
          }
        });
        return x;
      });
      const shapes = outs.map((x) => `[${x.shape.slice(1, 3)}]`);
      if (new Set(shapes).size > 1) throw new Error(`FPT branches end at different sizes (${shapes.join(', ')}); they are summed`);
      return this.clsSeg(outs.reduce((acc, x) => tf.add(acc, x)) as tf.Tensor4D);
    });
  }
}

registries.head.register('FeaturePyramidTransformerHead', {
  schema: FPTHeadOptions,
  build: (o, ctx) => new FeaturePyramidTransformerHead(o, ctx),
});
registries.head.register('FPTHead', {
  schema: FPTHeadOptions,
  description: 'alias of FeaturePyramidTransformerHead',
  build: (o, ctx) => new FeaturePyramidTransformerHead(o, ctx),
});
