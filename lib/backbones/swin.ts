/**
 * Swin Transformer, the segmentation variant of the official Swin-Transformer-Semantic-Segmentation code:
 * any input size (zero padding to the patch and window multiples, padded tokens take part in W-MSA as
 * the official code does), cyclic shift with the region mask, relative position bias, patch merging in the
 * official slice order, per-stage output norms `norm{i}`. Parameter names are the official ones.
 * Tensors are channels-last: stages work on [B, H, W, C] maps rather than [B, H·W, C] token lists.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2d,
  DropPath,
  Dropout,
  LayerNorm,
  Linear,
  Mlp,
  Module,
  ModuleList,
  interpolate,
  init,
} from '../nn/index.js';
import { WindowAttention } from '../nn/window-attention.js';
import { shiftedMaskCache, windowedAttention } from '../nn/window.js';
import { swinCheckpointAdapter } from './swin-checkpoint.js';
import { Type } from '@sinclair/typebox';
import { defineOptions, nullable, option, optional, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import {
  indices, positive, positiveInt, positiveInts, probability, transformerFixedOptions, withCpOption,
} from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import { applyInitCfg, initCfgOption } from './init-cfg.js';
import { checkpoint } from '../nn/checkpoint.js';
import { add } from '../nn/add.js';
import type { ForwardCuts } from '../segmentors/types.js';
import { chainCuts, type ForwardPiece } from './cuts.js';

export const SwinOptions = defineOptions(
  'SwinTransformer',
  'Swin Transformer (the segmentation variant of the official code): shifted-window attention with relative position ' +
    'bias, patch merging, an output norm per stage; any input size; official checkpoint names',
  {
    pretrain_img_size: option(positiveInt, 224, 'image size of the pretraining run; sizes the absolute position embedding'),
    in_channels: option(positiveInt, 3, 'input channels'),
    embed_dims: option(positiveInt, 96, 'width of stage 0; stage i has embed_dims·2^i'),
    patch_size: option(positiveInt, 4, 'side of the patch embedding'),
    window_size: option(positiveInt, 7, 'side of the attention windows'),
    mlp_ratio: option(positive, 4, 'MLP width / channels'),
    depths: option(positiveInts, [2, 2, 6, 2], 'blocks per stage'),
    num_heads: option(positiveInts, [3, 6, 12, 24], 'attention heads per stage'),
    strides: optional(
      Type.Unsafe<[4, 2, 2, 2]>({ type: 'array', items: [4, 2, 2, 2].map((s) => ({ const: s })), minItems: 4, maxItems: 4 }),
      'only [4, 2, 2, 2]',
    ),
    out_indices: option(indices, [0, 1, 2, 3], 'stages whose outputs are returned'),
    qkv_bias: option(Type.Boolean(), true, 'bias in the qkv projection'),
    qk_scale: option(nullable(Type.Number()), null, 'attention scale; null: head_dim^-0.5'),
    patch_norm: option(Type.Boolean(), true, 'LayerNorm after the patch embedding'),
    drop_rate: option(probability, 0, 'dropout after the position embedding, in attention projections and MLPs'),
    attn_drop_rate: option(probability, 0, 'dropout on attention weights'),
    drop_path_rate: option(probability, 0.2, 'stochastic depth, rising linearly over all blocks to this'),
    use_abs_pos_embed: option(Type.Boolean(), false, 'add a learned absolute position embedding (resized bicubically)'),
    ...transformerFixedOptions,
    with_cp: withCpOption,
    frozen_stages: option(
      Type.Integer({ minimum: -1 }),
      -1,
      '-1: nothing frozen; 0: patch embedding; 1: + position embedding; k ≥ 2: + stages 0..k-2',
    ),
    init_cfg: initCfgOption,
  },
);
export type SwinOptions = OptionsInput<typeof SwinOptions>;

/** Conv patchify with right/bottom zero padding to a multiple of the patch size, then LN. */
export class PatchEmbed extends Module {
  readonly proj: Conv2d;
  readonly norm?: LayerNorm;

  constructor(
    readonly patchSize: number,
    inChannels: number,
    embedDims: number,
    patchNorm: boolean,
  ) {
    super();
    this.proj = this.addModule('proj', new Conv2d(inChannels, embedDims, patchSize, { stride: patchSize }));
    if (patchNorm) this.norm = this.addModule('norm', new LayerNorm(embedDims));
  }

  /** [B, H, W, 3] -> [B, ⌈H/p⌉, ⌈W/p⌉, C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const p = this.patchSize;
      const [, h, w] = x.shape;
      const padded = tf.pad(x, [
        [0, 0],
        [0, (p - (h % p)) % p],
        [0, (p - (w % p)) % p],
        [0, 0],
      ]);
      const y = this.proj.forward(padded);
      return (this.norm ? this.norm.forward(y) : y) as tf.Tensor4D;
    });
  }
}

/** Pre-norm block: x + DropPath((S)W-MSA(LN(x))), then x + DropPath(MLP(LN(x))). */
export class SwinTransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: WindowAttention;
  readonly dropPath: DropPath;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(
    dim: number,
    numHeads: number,
    readonly windowSize: number,
    readonly shiftSize: number,
    o: { mlpRatio: number; qkvBias: boolean; qkScale: number | null; drop: number; attnDrop: number; dropPath: number },
  ) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim));
    this.attn = this.addModule(
      'attn',
      new WindowAttention(dim, windowSize, numHeads, {
        qkvBias: o.qkvBias,
        qkScale: o.qkScale,
        attnDrop: o.attnDrop,
        projDrop: o.drop,
      }),
    );
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim));
    this.mlp = this.addModule('mlp', new Mlp(dim, Math.floor(dim * o.mlpRatio), dim, o.drop));
  }

  /** x: [B, H, W, C]; mask: [nW, ws², ws²] of the padded map (used by shifted blocks only). */
  forward(x: tf.Tensor4D, mask: tf.Tensor3D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = windowedAttention(this.norm1.forward(x) as tf.Tensor4D, this.windowSize, this.shiftSize, (win, m) => this.attn.forward(win, m), mask);
      const x1 = add(x, this.dropPath.forward(y));
      return add(x1, this.dropPath.forward(this.mlp.forward(this.norm2.forward(x1)))) as tf.Tensor4D;
    });
  }
}

/**
 * 2×2 patch merging: pad to even size, concatenate the four offsets in the official order
 * x0 = [0::2, 0::2], x1 = [1::2, 0::2], x2 = [0::2, 1::2], x3 = [1::2, 1::2], then LN(4C) and Linear(4C -> 2C, no bias).
 */
export class PatchMerging extends Module {
  readonly reduction: Linear;
  readonly norm: LayerNorm;

  constructor(readonly dim: number) {
    super();
    this.reduction = this.addModule('reduction', new Linear(4 * dim, 2 * dim, false));
    this.norm = this.addModule('norm', new LayerNorm(4 * dim));
  }

  /** [B, H, W, C] -> [B, ⌈H/2⌉, ⌈W/2⌉, 2C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const padded = tf.pad(x, [
        [0, 0],
        [0, h % 2],
        [0, w % 2],
        [0, 0],
      ]);
      const [h2, w2] = [(h + (h % 2)) / 2, (w + (w % 2)) / 2];
      // [B, h2, row offset, w2, col offset, C] -> [B, h2, w2, col offset, row offset, C]: the row offset changes first.
      const offsets = tf.transpose(tf.reshape(padded, [b, h2, 2, w2, 2, c]), [0, 1, 3, 4, 2, 5]);
      const merged = tf.reshape(offsets, [b, h2, w2, 4 * c]);
      return this.reduction.forward(this.norm.forward(merged)) as tf.Tensor4D;
    });
  }
}

/**
 * A module run on a stage's output before patch merging (SeMask's semantic layer): its feature replaces the stage
 * output and feeds the merging; its prior map is an extra output of the backbone.
 */
export interface StageRefiner extends Module {
  forward(x: tf.Tensor4D): { feature: tf.Tensor4D; prior: tf.Tensor4D };
}

/**
 * One stage (`BasicLayer`): blocks alternating W-MSA / SW-MSA (checkpointed with `withCp`), an optional refiner,
 * then optional patch merging.
 */
export class BasicLayer extends Module {
  readonly blocks: ModuleList<SwinTransformerBlock>;
  readonly semanticLayer?: StageRefiner;
  readonly downsample?: PatchMerging;
  /** Whether blocks recompute their forward in the backward (with_cp). */
  readonly withCp: boolean;
  /** The shifted-window mask of a map's size. */
  readonly #mask: (h: number, w: number) => tf.Tensor3D;

  constructor(
    dim: number,
    depth: number,
    numHeads: number,
    readonly windowSize: number,
    dropPath: number[],
    downsample: boolean,
    o: { mlpRatio: number; qkvBias: boolean; qkScale: number | null; drop: number; attnDrop: number; withCp: boolean },
    refiner?: StageRefiner,
  ) {
    super();
    const blocks = Array.from(
      { length: depth },
      (_, i) =>
        new SwinTransformerBlock(dim, numHeads, windowSize, i % 2 === 0 ? 0 : Math.floor(windowSize / 2), {
          ...o,
          dropPath: dropPath[i],
        }),
    );
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
    if (refiner) this.semanticLayer = this.addModule('semantic_layer', refiner);
    if (downsample) this.downsample = this.addModule('downsample', new PatchMerging(dim));
    this.#mask = shiftedMaskCache(windowSize, Math.floor(windowSize / 2), (m) => this.addConstant(m));
    this.withCp = o.withCp;
  }

  /** Block j on x [B, H, W, C]. */
  block(j: number, x: tf.Tensor4D): tf.Tensor4D {
    const blk = this.blocks.at(j);
    const mask = this.#mask(x.shape[1], x.shape[2]);
    if (!this.withCp) return blk.forward(x, mask);
    return checkpoint((h: tf.Tensor4D) => blk.forward(h, mask), x, blk.trainableParameters().map(([, v]) => v));
  }

  /** After the blocks: the stage output (refined, if there is a refiner), its prior map, and the next stage's input. */
  finish(x: tf.Tensor4D): { out: tf.Tensor4D; prior?: tf.Tensor4D; next: tf.Tensor4D } {
    const { feature: out, prior } = this.semanticLayer ? this.semanticLayer.forward(x) : { feature: x, prior: undefined };
    return { out, prior, next: this.downsample ? this.downsample.forward(out) : out };
  }

  /** Returns the stage output (before merging), the refiner's prior map if any, and the input of the next stage. */
  forward(x: tf.Tensor4D): { out: tf.Tensor4D; prior?: tf.Tensor4D; next: tf.Tensor4D } {
    return this.finish(tf.tidy(() => this.blocks.items.reduce((h, _, j) => this.block(j, h), x)));
  }
}

export class SwinTransformer extends Module {
  /** Official and mmseg Swin checkpoints (lib/backbones/swin-checkpoint.ts); SeMask-Swin inherits it. */
  static override readonly checkpointAdapter = swinCheckpointAdapter;

  readonly patchEmbed: PatchEmbed;
  readonly absolutePosEmbed?: tf.Variable;
  readonly posDrop: Dropout;
  readonly layers: ModuleList<BasicLayer>;
  readonly norms: Map<number, LayerNorm>;
  readonly numFeatures: number[];
  readonly outIndices: number[];
  readonly frozenStages: number;
  /** Cuts after every block; a stage's last block ends with its output norm and patch merging (cut `layers.{i}`). */
  readonly cuts: ForwardCuts;

  /**
   * @param stageRefiner a refiner per stage (`semantic_layer`), given the stage index and width (SeMask)
   */
  constructor(
    options: SwinOptions = {},
    ctx?: BuildContext,
    stageRefiner?: (stage: number, dim: number) => StageRefiner | undefined,
  ) {
    super();
    const o = resolveOptions(SwinOptions, options, ctx);
    const { embed_dims: embedDims, depths, num_heads: numHeads, window_size: windowSize, patch_size: patchSize } = o;
    if (numHeads.length !== depths.length) {
      throw new Error(`num_heads has ${numHeads.length} entries but depths has ${depths.length}`);
    }
    this.outIndices = o.out_indices;
    const bad = this.outIndices.find((i) => !(i >= 0 && i < depths.length));
    if (bad !== undefined) throw new Error(`out_indices: ${bad} is not a stage index (0..${depths.length - 1})`);
    this.frozenStages = o.frozen_stages;
    this.numFeatures = depths.map((_, i) => embedDims * 2 ** i);

    this.patchEmbed = this.addModule(
      'patch_embed',
      new PatchEmbed(patchSize, o.in_channels, embedDims, o.patch_norm),
    );
    if (o.use_abs_pos_embed) {
      const grid = Math.floor(o.pretrain_img_size / patchSize);
      // Kept in the official layout [1, C, Wh, Ww] so checkpoints load as they are; transposed in forward.
      this.absolutePosEmbed = this.addParameter('absolute_pos_embed', init.truncNormal([1, embedDims, grid, grid], 0.02));
    }
    this.posDrop = this.addModule('pos_drop', new Dropout(o.drop_rate));
    const total = depths.reduce((a, b) => a + b, 0);
    const dpr = Array.from({ length: total }, (_, i) => (total > 1 ? (o.drop_path_rate * i) / (total - 1) : 0));
    const blockOptions = {
      mlpRatio: o.mlp_ratio,
      qkvBias: o.qkv_bias,
      qkScale: o.qk_scale,
      drop: o.drop_rate,
      attnDrop: o.attn_drop_rate,
      withCp: o.with_cp,
    };
    const stages = depths.map((depth, i) => {
      const start = depths.slice(0, i).reduce((a, b) => a + b, 0);
      return new BasicLayer(
        this.numFeatures[i],
        depth,
        numHeads[i],
        windowSize,
        dpr.slice(start, start + depth),
        i < depths.length - 1,
        blockOptions,
        stageRefiner?.(i, this.numFeatures[i]),
      );
    });
    this.layers = this.addModule('layers', new ModuleList(stages));
    this.norms = new Map(this.outIndices.map((i) => [i, this.addModule(`norm${i}`, new LayerNorm(this.numFeatures[i]))]));
    this.cuts = chainCuts(this.#pieces(), o.in_channels, this.layers.items.slice(0, -1).map((_, i) => `layers.${i}`));
    this.initWeights();
    this.#freezeStages();
  }

  /** The official `init_weights`: trunc_normal(0.02) on Linear weights, zero biases, LN to (1, 0). */
  initWeights(): void {
    for (const [, m] of this.namedModules()) {
      if (m instanceof Linear) {
        init.reinit(m.weight, (shape) => init.truncNormal(shape, 0.02));
        if (m.bias) init.reinit(m.bias, init.filled(0));
      } else if (m instanceof LayerNorm) {
        if (m.weight) init.reinit(m.weight, init.filled(1));
        if (m.bias) init.reinit(m.bias, init.filled(0));
      }
    }
  }

  #freezeStages(): void {
    if (this.frozenStages >= 0) this.patchEmbed.eval().freeze();
    if (this.frozenStages >= 1 && this.absolutePosEmbed) this.absolutePosEmbed.trainable = false;
    if (this.frozenStages >= 2) {
      this.posDrop.eval();
      for (let i = 0; i < this.frozenStages - 1; i++) this.layers.at(i).eval().freeze();
    }
  }

  /** Train mode everywhere except the frozen stages, which stay in eval mode (as the official `train`). */
  override train(mode = true): this {
    super.train(mode);
    this.#freezeStages();
    return this;
  }

  /** x: [B, H, W, C_in] -> one [B, H_i, W_i, C_i] map per out index (strides 4, 8, 16, 32). */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    const { outs, priors } = this.forwardWithPriors(x);
    tf.dispose(priors);
    return outs;
  }

  /** The stage outputs and, for stages with a refiner (SeMask), their prior maps [B, H_i, W_i, K] (out indices only). */
  forwardWithPriors(x: tf.Tensor4D): { outs: tf.Tensor4D[]; priors: tf.Tensor4D[] } {
    const { outs, priors } = this.cuts.run([x], -1, this.cuts.names.length);
    return { outs, priors };
  }

  /** Patch embedding, absolute position embedding and its dropout: [B, H, W, C_in] -> [B, H/4, W/4, C]. */
  #embed(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.patchEmbed.forward(x);
      if (!this.absolutePosEmbed) return this.posDrop.forward(h) as tf.Tensor4D;
      const pos = tf.transpose(this.absolutePosEmbed, [0, 2, 3, 1]) as tf.Tensor4D;
      return this.posDrop.forward(tf.add(h, interpolate(pos, { size: [h.shape[1], h.shape[2]], mode: 'bicubic' }))) as tf.Tensor4D;
    });
  }

  /** The forward as one piece per block; the first also embeds the patches, a stage's last also norms and merges. */
  #pieces(): ForwardPiece[] {
    return this.layers.items.flatMap((layer, i) =>
      layer.blocks.items.map((_, j): ForwardPiece => {
        const ends = j === layer.blocks.length - 1;
        return {
          name: ends ? `layers.${i}` : `layers.${i}.blocks.${j}`,
          channels: ends && layer.downsample ? 2 * this.numFeatures[i] : this.numFeatures[i],
          outChannels: ends && this.norms.has(i) ? this.numFeatures[i] : undefined,
          run: ([h], emit) => {
            const x = layer.block(j, i === 0 && j === 0 ? this.#embed(h as tf.Tensor4D) : (h as tf.Tensor4D));
            if (!ends) return [x];
            const { out, prior, next } = layer.finish(x);
            const norm = this.norms.get(i);
            if (norm) emit.outs.push(norm.forward(out) as tf.Tensor4D);
            if (norm && prior) emit.priors.push(prior);
            return [next];
          },
        };
      }),
    );
  }
}

/** Presets of the official configs (ImageNet window 7; Swin-B/L also at 384 with window 12). */
export const SWIN_PRESETS = {
  'swin-t': { embed_dims: 96, depths: [2, 2, 6, 2], num_heads: [3, 6, 12, 24], window_size: 7 },
  'swin-s': { embed_dims: 96, depths: [2, 2, 18, 2], num_heads: [3, 6, 12, 24], window_size: 7 },
  'swin-b': { embed_dims: 128, depths: [2, 2, 18, 2], num_heads: [4, 8, 16, 32], window_size: 7 },
  'swin-b-w12': { embed_dims: 128, depths: [2, 2, 18, 2], num_heads: [4, 8, 16, 32], window_size: 12, pretrain_img_size: 384 },
  'swin-l': { embed_dims: 192, depths: [2, 2, 18, 2], num_heads: [6, 12, 24, 48], window_size: 7 },
  'swin-l-w12': { embed_dims: 192, depths: [2, 2, 18, 2], num_heads: [6, 12, 24, 48], window_size: 12, pretrain_img_size: 384 },
} satisfies Record<string, SwinOptions>;

registries.backbone.register('SwinTransformer', {
  schema: SwinOptions,
  build: (o, ctx) => applyInitCfg(new SwinTransformer(o, ctx), o.init_cfg, ctx),
});
