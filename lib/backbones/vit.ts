/**
 * Vision Transformer (arXiv 2010.11929) as timm 0.4.x builds it and DPT (arXiv 2103.13413) runs it: a conv patch
 * embedding, a CLS token, learned position embeddings resized bilinearly to the input's patch grid (DPT's
 * `forward_flex`, so any input whose sides are multiples of the patch size works), pre-norm blocks of global
 * multi-head self-attention and an exact-GELU MLP, LayerNorm eps 1e-6. Parameter names are timm's (`cls_token`,
 * `pos_embed`, `patch_embed.proj`, `blocks.{n}.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}`, `norm`).
 *
 * With `hybrid`, the patch embedding is timm's `HybridEmbed` (R50+ViT, DPT-Hybrid): a ResNetV2 (`patch_embed.backbone`)
 * whose last stage (1/16) is projected by a 1×1 conv (`patch_embed.proj`) into the tokens.
 *
 * Outputs are the raw outputs of the blocks in `outIndices` (DPT's hooks), before any final norm:
 * `forwardTokens` returns them as tokens [B, 1+N, D] (CLS first); `forward`, the Backbone interface, as maps
 * [B, H/p, W/p, D] followed, with `outputClsToken`, by their CLS tokens as 1×1 maps [B, 1, 1, D] (mmseg's
 * `output_cls_token`), which DPTHead's readout reads. A hybrid's ResNet stages in `hybrid.outIndices` come first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, DropPath, Dropout, LayerNorm, Linear, Mlp, Module, ModuleList, add, init, interpolate, view } from '../nn/index.js';
import { Type } from '@sinclair/typebox';
import { constant, defineOptions, nullable, option, optional, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { indices, positive, positiveInt, probability, transformerFixedOptions, withCpOption } from '../config/schema-parts.js';
import { checkpoint } from '../nn/checkpoint.js';
import { registries, type BuildContext } from '../registry.js';
import { applyInitCfg, initCfgOption } from './init-cfg.js';
import { PatchEmbed } from './swin.js';
import { ResNetV2, ResNetV2Options } from './resnetv2.js';
import { vitCheckpointAdapter } from './vit-checkpoint.js';
import type { ForwardCuts } from '../segmentors/types.js';
import { chainCuts, type ForwardPiece } from './cuts.js';

const { in_channels: _inChannels, ...resnetProperties } = ResNetV2Options.properties;

/** timm's hybrid ViT: a ResNetV2 patch embedding (R50: layers [3, 4, 9]); in_channels is the ViT's. */
export const HybridOptions = Type.Object(
  {
    ...resnetProperties,
    out_indices: option(
      indices,
      [],
      'ResNet stages whose outputs [B, H/2^(s+2), W/2^(s+2), C_s] come first in forward (DPT-Hybrid: [0, 1])',
    ),
  },
  { additionalProperties: false },
);
export type HybridOptions = OptionsInput<typeof HybridOptions>;

/** A hybrid's ResNetV2: its options but out_indices (the ViT's), with the ViT's in_channels. */
function resnetOptions({ out_indices: _outIndices, ...resnet }: HybridOptions, inChannels: number): ResNetV2Options {
  return { ...resnet, in_channels: inChannels };
}

export const VisionTransformerOptions = defineOptions(
  'VisionTransformer',
  "ViT or R50 hybrid as timm builds it and DPT runs it (timm names): pos_embed resized bilinearly to any input whose " +
    "sides are multiples of the patch size (DPT's forward_flex); raw block outputs as maps, CLS tokens with output_cls_token",
  {
    img_size: option(positiveInt, 384, 'image size of the pretraining run; sizes pos_embed'),
    patch_size: option(positiveInt, 16, 'side of the patch embedding (a hybrid\'s is its ResNet stride)'),
    in_channels: option(positiveInt, 3, 'input channels'),
    embed_dims: option(positiveInt, 768, 'token width'),
    num_layers: option(positiveInt, 12, 'transformer blocks'),
    num_heads: option(positiveInt, 12, 'attention heads'),
    mlp_ratio: option(positive, 4, 'MLP width / embed_dims'),
    qkv_bias: option(Type.Boolean(), true, 'bias in the qkv projection'),
    drop_rate: option(probability, 0, 'dropout after the position embedding, in attention projections and MLPs'),
    attn_drop_rate: option(probability, 0, 'dropout on attention weights'),
    drop_path_rate: option(probability, 0, 'stochastic depth, rising linearly over the blocks to this'),
    out_indices: option(
      Type.Union([constant(-1), Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 })]),
      -1,
      "blocks whose raw outputs are returned, increasing (DPT's hooks); -1: the last",
    ),
    output_cls_token: option(Type.Boolean(), false, "append each output's CLS token as a [B, 1, 1, D] map (DPT's readout)"),
    with_cls_token: optional(constant(true), 'only true'),
    final_norm: option(Type.Boolean(), false, 'LayerNorm on the last block\'s output (DPT has none)'),
    norm_cfg: option(
      Type.Object(
        {
          type: Type.Optional(constant('LN')),
          eps: option(positive, 1e-6, 'LayerNorm eps'),
          requires_grad: Type.Optional(constant(true)),
        },
        { additionalProperties: false },
      ),
      { type: 'LN', eps: 1e-6 },
      "LayerNorm: only LN; eps 1e-6 as timm's ViT",
    ),
    act_cfg: transformerFixedOptions.act_cfg,
    with_cp: withCpOption,
    hybrid: optional(
      nullable(HybridOptions),
      "a ResNetV2 patch embedding (timm 0.4.5's R50+ViT: {layers: [3, 4, 9], out_indices: [0, 1]} is DPT-Hybrid's)",
    ),
    init_cfg: initCfgOption,
  },
);
export type VisionTransformerOptions = OptionsInput<typeof VisionTransformerOptions>;

/** timm's `HybridEmbed`: CNN stages (`backbone`), then a 1×1 conv (`proj`) of the last one to the embedding. */
export class HybridEmbed extends Module {
  readonly backbone: ResNetV2;
  readonly proj: Conv2d;

  constructor(o: ResNetV2Options, embedDims: number) {
    super();
    this.backbone = this.addModule('backbone', new ResNetV2(o));
    this.proj = this.addModule('proj', new Conv2d(this.backbone.channels.at(-1)!, embedDims, 1));
  }

  /** x [B, H, W, C_in] -> the stage outputs and the patch embeddings [B, H/p, W/p, D]. */
  forward(x: tf.Tensor4D): { stages: tf.Tensor4D[]; patches: tf.Tensor4D } {
    return tf.tidy(() => {
      const stages = this.backbone.forward(x);
      return { stages, patches: this.proj.forward(stages.at(-1)!) as tf.Tensor4D };
    });
  }
}

/** Global multi-head self-attention (timm's `Attention`): qkv in one Linear, q scaled by head_dim^-0.5. */
export class Attention extends Module {
  readonly qkv: Linear;
  readonly attnDrop: Dropout;
  readonly proj: Linear;
  readonly projDrop: Dropout;
  readonly scale: number;

  constructor(
    readonly dim: number,
    readonly numHeads: number,
    o: { qkvBias: boolean; attnDrop: number; projDrop: number },
  ) {
    super();
    if (dim % numHeads !== 0) throw new Error(`embed_dims ${dim} must be divisible by num_heads ${numHeads}`);
    this.scale = (dim / numHeads) ** -0.5;
    this.qkv = this.addModule('qkv', new Linear(dim, dim * 3, o.qkvBias));
    this.attnDrop = this.addModule('attn_drop', new Dropout(o.attnDrop));
    this.proj = this.addModule('proj', new Linear(dim, dim));
    this.projDrop = this.addModule('proj_drop', new Dropout(o.projDrop));
  }

  /**
   * x: [B, N, C] -> [B, N, C]. `mask` [G, 1 or N, N], when x holds B/G samples of G groups each (D-Former's groups,
   * lib/backbones/dformer-attention.ts), is added to the logits of group g (−1e6 on padded keys).
   */
  forward(x: tf.Tensor3D, mask?: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, n, c] = x.shape;
      const h = this.numHeads;
      // [B, N, 3C] -> [3, B, heads, N, head_dim]
      const qkv = tf.transpose(view(this.qkv.forward(x), [b, n, 3, h, c / h]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(qkv);
      let logits = tf.matMul(tf.mul(q, this.scale), k, false, true);
      if (mask) {
        const g = mask.shape[0];
        logits = view(add(view(logits, [b / g, g, h, n, n]), tf.expandDims(mask, 1)), [b, h, n, n]);
      }
      const weights = this.attnDrop.forward(tf.softmax(logits));
      const out = view(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [b, n, c]);
      return this.projDrop.forward(this.proj.forward(out)) as tf.Tensor3D;
    });
  }
}

/** Pre-norm transformer block: x + DropPath(MSA(LN(x))), then x + DropPath(MLP(LN(x))). */
export class Block extends Module {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly dropPath: DropPath;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(
    dim: number,
    numHeads: number,
    o: { mlpRatio: number; qkvBias: boolean; drop: number; attnDrop: number; dropPath: number; eps: number },
  ) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim, o.eps));
    this.attn = this.addModule('attn', new Attention(dim, numHeads, { qkvBias: o.qkvBias, attnDrop: o.attnDrop, projDrop: o.drop }));
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim, o.eps));
    this.mlp = this.addModule('mlp', new Mlp(dim, Math.floor(dim * o.mlpRatio), dim, o.drop));
  }

  /** x: [B, N, C] -> [B, N, C] */
  forward(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const x1 = add(x, this.dropPath.forward(this.attn.forward(this.norm1.forward(x) as tf.Tensor3D)));
      return add(x1, this.dropPath.forward(this.mlp.forward(this.norm2.forward(x1)))) as tf.Tensor3D;
    });
  }
}

export class VisionTransformer extends Module {
  /** The ViT of official DPT checkpoints (lib/backbones/vit-checkpoint.ts). */
  static override readonly checkpointAdapter = vitCheckpointAdapter;

  readonly clsToken: tf.Variable;
  readonly posEmbed: tf.Variable;
  readonly patchEmbed: PatchEmbed | HybridEmbed;
  readonly posDrop: Dropout;
  readonly blocks: ModuleList<Block>;
  readonly norm?: LayerNorm;
  readonly patchSize: number;
  readonly embedDims: number;
  /** Side of the pretraining patch grid that `pos_embed` holds. */
  readonly posGrid: number;
  readonly outIndices: number[];
  readonly outputClsToken: boolean;
  /** Whether blocks recompute their forward in the backward (with_cp). */
  readonly withCp: boolean;
  /** ResNet stages of a hybrid returned before the maps. */
  readonly hybridOutIndices: number[];
  /**
   * Cuts after every block (`blocks.{i}`), the out indices being the stage cuts; the state at a cut is the patch map
   * and the tokens. Hybrids and output_cls_token declare none.
   */
  readonly cuts?: ForwardCuts;

  constructor(options: VisionTransformerOptions = {}, ctx?: BuildContext) {
    super();
    const o = resolveOptions(VisionTransformerOptions, options, ctx);
    this.patchSize = o.hybrid ? 2 ** (o.hybrid.layers.length + 1) : o.patch_size;
    this.embedDims = o.embed_dims;
    const numLayers = o.num_layers;
    const eps = o.norm_cfg.eps;
    this.outIndices = o.out_indices === -1 ? [numLayers - 1] : o.out_indices;
    const bad = this.outIndices.find((i, k) => !(Number.isInteger(i) && i >= 0 && i < numLayers) || i <= this.outIndices[k - 1]);
    if (bad !== undefined) {
      throw new Error(`out_indices [${this.outIndices}]: must be increasing block indices (0..${numLayers - 1}); ${bad} is not`);
    }
    this.outputClsToken = o.output_cls_token;
    this.withCp = o.with_cp;
    this.hybridOutIndices = o.hybrid?.out_indices ?? [];
    const badStage = this.hybridOutIndices.find((i) => !(i >= 0 && i < (o.hybrid?.layers.length ?? 0)));
    if (badStage !== undefined) throw new Error(`hybrid.out_indices: ${badStage} is not a ResNet stage index`);
    this.posGrid = Math.floor(o.img_size / this.patchSize);
    const d = this.embedDims;
    this.clsToken = this.addParameter('cls_token', init.truncNormal([1, 1, d], 0.02));
    this.posEmbed = this.addParameter('pos_embed', init.truncNormal([1, 1 + this.posGrid ** 2, d], 0.02));
    const { in_channels: inChannels, hybrid } = o;
    this.patchEmbed = this.addModule(
      'patch_embed',
      hybrid ? new HybridEmbed(resnetOptions(hybrid, inChannels), d) : new PatchEmbed(this.patchSize, inChannels, d, false),
    );
    this.posDrop = this.addModule('pos_drop', new Dropout(o.drop_rate));
    const rate = o.drop_path_rate;
    const blockOptions = { mlpRatio: o.mlp_ratio, qkvBias: o.qkv_bias, drop: o.drop_rate, attnDrop: o.attn_drop_rate, eps };
    const blocks = Array.from(
      { length: numLayers },
      (_, i) => new Block(d, o.num_heads, { ...blockOptions, dropPath: numLayers > 1 ? (rate * i) / (numLayers - 1) : 0 }),
    );
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
    if (o.final_norm) this.norm = this.addModule('norm', new LayerNorm(d, eps));
    if (!hybrid && !this.outputClsToken) {
      const hooks = this.outIndices.slice(0, -1).filter((i) => i < numLayers - 1).map((i) => `blocks.${i}`);
      this.cuts = chainCuts(this.#pieces(), inChannels, hooks);
    }
    this.#initWeights();
  }

  /** timm's init: trunc_normal(0.02) on Linear weights, zero biases (LayerNorms start at (1, 0) already). */
  #initWeights(): void {
    for (const [, m] of this.namedModules()) {
      if (!(m instanceof Linear)) continue;
      init.reinit(m.weight, (shape) => init.truncNormal(shape, 0.02));
      if (m.bias) init.reinit(m.bias, init.filled(0));
    }
  }

  /** `pos_embed` for a gh×gw patch grid [1, 1 + gh·gw, D]: the CLS row kept, the grid resized bilinearly (align_corners false). */
  resizedPosEmbed(gh: number, gw: number): tf.Tensor3D {
    return tf.tidy(() => {
      const g = this.posGrid;
      const d = this.embedDims;
      const [cls, grid] = tf.split(this.posEmbed, [1, g * g], 1);
      const map = interpolate(tf.reshape(grid, [1, g, g, d]) as tf.Tensor4D, { size: [gh, gw], mode: 'bilinear' });
      return tf.concat([cls, tf.reshape(map, [1, gh * gw, d])], 1) as tf.Tensor3D;
    });
  }

  /**
   * The raw outputs [B, 1+N, D] of the `outIndices` blocks (N = gh·gw, CLS first), the patch grid [gh, gw], and a
   * hybrid's ResNet stage outputs at `hybrid.outIndices` (none otherwise).
   */
  forwardTokens(x: tf.Tensor4D): { tokens: tf.Tensor3D[]; grid: [number, number]; stages: tf.Tensor4D[] } {
    const [b, h, w] = x.shape;
    const p = this.patchSize;
    if (h % p !== 0 || w % p !== 0) {
      throw new Error(`VisionTransformer needs input sides that are multiples of the patch size ${p}, got ${h}x${w}`);
    }
    const grid: [number, number] = [h / p, w / p];
    const outs = tf.tidy(() => {
      const embedded = this.patchEmbed instanceof HybridEmbed ? this.patchEmbed.forward(x) : { stages: [], patches: this.patchEmbed.forward(x) };
      let t = this.#tokens(embedded.patches, grid);
      const tokens: tf.Tensor3D[] = [];
      this.blocks.items.forEach((block, i) => {
        t = this.#block(i, t);
        if (this.norm && i === this.blocks.length - 1) t = this.norm.forward(t) as tf.Tensor3D;
        if (this.outIndices.includes(i)) tokens.push(t);
      });
      return { tokens, stages: this.hybridOutIndices.map((s) => embedded.stages[s]) };
    });
    return { ...outs, grid };
  }

  /** Patches [B, gh, gw, D] -> tokens [B, 1 + gh·gw, D]: the CLS token first, position embedding added, dropout. */
  #tokens(patches: tf.Tensor4D, grid: [number, number]): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, , , d] = patches.shape;
      const t = tf.concat([tf.tile(this.clsToken, [b, 1, 1]), tf.reshape(patches, [b, grid[0] * grid[1], d])], 1);
      return this.posDrop.forward(tf.add(t, this.resizedPosEmbed(...grid))) as tf.Tensor3D;
    });
  }

  /** Tokens [B, 1 + gh·gw, D] -> the patch map [B, gh, gw, D]. */
  #map(t: tf.Tensor3D, grid: [number, number]): tf.Tensor4D {
    return tf.reshape(tf.slice(t, [0, 1, 0], [-1, -1, -1]), [t.shape[0], ...grid, t.shape[2]]);
  }

  /** Block i on tokens [B, 1+N, D], recomputed in the backward with `withCp`. */
  #block(i: number, t: tf.Tensor3D): tf.Tensor3D {
    const block = this.blocks.at(i);
    if (!this.withCp) return block.forward(t);
    return checkpoint((h: tf.Tensor3D) => block.forward(h), t, block.trainableParameters().map(([, v]) => v));
  }

  /** The forward of a plain ViT as one piece per block; the first embeds the patches, the last applies the final norm. */
  #pieces(): ForwardPiece[] {
    const last = this.blocks.length - 1;
    return this.blocks.items.map((_, i): ForwardPiece => ({
      name: `blocks.${i}`,
      channels: this.embedDims,
      outChannels: this.outIndices.includes(i) ? this.embedDims : undefined,
      run: (carry, emit) => {
        const [x] = carry as [tf.Tensor4D];
        const p = this.patchSize;
        const grid: [number, number] = i === 0 ? [x.shape[1] / p, x.shape[2] / p] : [x.shape[1], x.shape[2]];
        if (i === 0 && (x.shape[1] % p !== 0 || x.shape[2] % p !== 0)) {
          throw new Error(`VisionTransformer needs input sides that are multiples of the patch size ${p}, got ${x.shape[1]}x${x.shape[2]}`);
        }
        let t = this.#block(i, i === 0 ? this.#tokens((this.patchEmbed as PatchEmbed).forward(x), grid) : (carry[1] as tf.Tensor3D));
        if (this.norm && i === last) t = this.norm.forward(t) as tf.Tensor3D;
        const map = this.#map(t, grid);
        if (this.outIndices.includes(i)) emit.outs.push(map);
        return [map, t];
      },
    }));
  }

  /**
   * x: [B, H, W, C_in] -> a hybrid's ResNet stages at `hybrid.outIndices`, then per out index a map [B, H/p, W/p, D],
   * then, with outputClsToken, each CLS token [B, 1, 1, D].
   */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const { tokens, grid, stages } = this.forwardTokens(x);
      const [b, , d] = tokens[0].shape;
      const maps = tokens.map((t) => this.#map(t, grid));
      const cls = tokens.map((t) => tf.reshape(tf.slice(t, [0, 0, 0], [-1, 1, -1]), [b, 1, 1, d]) as tf.Tensor4D);
      return [...stages, ...maps, ...(this.outputClsToken ? cls : [])];
    });
  }
}

/**
 * timm's ViT-B/16, ViT-L/16 and R50+ViT-B/16 at 384 with DPT's hooks (DPT-Base, DPT-Large and DPT-Hybrid, whose first
 * two stages are ResNet stages 0 and 1).
 */
export const VIT_PRESETS = {
  'vit-b16-384': { img_size: 384, patch_size: 16, embed_dims: 768, num_layers: 12, num_heads: 12, out_indices: [2, 5, 8, 11] },
  'vit-l16-384': { img_size: 384, patch_size: 16, embed_dims: 1024, num_layers: 24, num_heads: 16, out_indices: [5, 11, 17, 23] },
  'vit-b-r50-384': {
    img_size: 384,
    embed_dims: 768,
    num_layers: 12,
    num_heads: 12,
    out_indices: [8, 11],
    hybrid: { layers: [3, 4, 9], channels: [256, 512, 1024], stem_channels: 64, out_indices: [0, 1] },
  },
} satisfies Record<string, VisionTransformerOptions>;

registries.backbone.register('VisionTransformer', {
  schema: VisionTransformerOptions,
  build: (o, ctx) => applyInitCfg(new VisionTransformer(o, ctx), o.init_cfg, ctx),
});
