/**
 * Pyramid Group Transformer (PGT), the encoder of FTN (Wu et al., "Fully Transformer Networks for Semantic Image
 * Segmentation", arXiv 2106.04108), as the only public code builds it: the mmsegmentation port
 * (`PyramidGroupTransformer`, mmseg/models/backbones/pgt.py on a fork branch). Parameter names are the port's.
 *
 * Four stages, each a PatchTransform (a non-overlapping strided conv, LN) then PGT blocks. A block attends inside each
 * of G groups, a √G×√G grid of equal rectangles over the whole map (G = 64, 16, 1, 1 by default), so groups grow with
 * the input instead of being fixed windows as in Swin; a 3×3 depthwise conv (CPE) after every block gives position
 * (there is no position embedding). Tensors are channels-last maps [B, H, W, C].
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2d,
  DropPath,
  Dropout,
  FFN,
  LayerNorm,
  Module,
  ModuleList,
  initTransformerWeights,
  QKVAttention,
} from '../nn/index.js';
import { windowPartition, windowReverse } from '../nn/window.js';
import { Type } from '@sinclair/typebox';
import { constant, defineOptions, nullable, option, optional, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { indices, positive, positiveInt, positiveInts, probability, transformerFixedOptions, withCpOption } from '../config/schema-parts.js';
import { checkpoint } from '../nn/checkpoint.js';
import { add } from '../nn/add.js';
import { registries, type BuildContext } from '../registry.js';
import { applyInitCfg, initCfgOption } from './init-cfg.js';
import type { ForwardCuts } from '../segmentors/types.js';
import { chainCuts, type ForwardPiece } from './cuts.js';

export const PGTOptions = defineOptions(
  'PyramidGroupTransformer',
  "FTN's Pyramid Group Transformer: per stage a strided-conv patch transform, then blocks attending inside a √G×√G " +
    "grid of groups over the whole map (zero-padded by the port's rule), a 3×3 depthwise CPE after each (the port's names)",
  {
    pretrain_img_size: optional(positiveInt, 'accepted as in the port configs; unused (PGT has no position embedding)'),
    in_channels: option(positiveInt, 3, 'input channels'),
    embed_dims: option(positiveInt, 64, 'width of stage 0; stage i has embed_dims·2^i'),
    patch_size: option(positiveInt, 4, 'must equal strides[0] (non-overlapping patch embedding)'),
    group_nums: option(positiveInts, [64, 16, 1, 1], 'attention groups per stage, perfect squares'),
    mlp_ratio: option(positive, 4, 'FFN width / channels'),
    depths: option(positiveInts, [2, 2, 6, 2], 'blocks per stage'),
    num_heads: option(positiveInts, [2, 4, 8, 16], 'attention heads per stage'),
    strides: option(positiveInts, [4, 2, 2, 2], "kernel = stride of each stage's patch transform"),
    out_indices: option(indices, [0, 1, 2, 3], 'stages whose outputs are returned'),
    qkv_bias: option(Type.Boolean(), true, 'bias in the q and kv projections'),
    qk_scale: option(nullable(Type.Number()), null, 'attention scale; null: head_dim^-0.5'),
    patch_norm: option(Type.Boolean(), true, 'LayerNorm after each patch transform'),
    drop_rate: option(probability, 0, 'dropout after the first patch transform, in attention projections and FFNs'),
    attn_drop_rate: option(probability, 0, 'dropout on attention weights'),
    drop_path_rate: option(probability, 0.1, 'stochastic depth, rising linearly over all blocks to this'),
    ...transformerFixedOptions,
    with_cp: withCpOption,
    frozen_stages: optional(
      constant(-1),
      "only -1: the port's stage freezing refers to a patch_embed that PGT does not have",
    ),
    init_cfg: initCfgOption,
  },
);
export type PGTOptions = OptionsInput<typeof PGTOptions>;

/**
 * Zero padding [bottom, right] that makes an h×w map divisible into a √G×√G grid, by the port's rule: none when both
 * sides divide by `axis`, otherwise `axis - h mod axis` and `axis - w mod axis`, so a side that already divides gains
 * a whole extra `axis` rows or columns when only the other side does not (kept for parity with the port).
 */
export function groupPadding(h: number, w: number, axis: number): [number, number] {
  if (h % axis === 0 && w % axis === 0) return [0, 0];
  return [axis - (h % axis), axis - (w % axis)];
}

/** [B, Hp, Wp, C] with sides divisible by `axis` -> [B·axis², (Hp/axis)·(Wp/axis), C], groups row-major over the grid. */
export function groupPartition(x: tf.Tensor4D, axis: number): tf.Tensor3D {
  const [, h, w] = x.shape;
  return windowPartition(x, [h / axis, w / axis]);
}

/** Inverse of groupPartition: [B·axis², (h/axis)·(w/axis), C] -> [B, h, w, C]. */
export function groupMerge(groups: tf.Tensor, axis: number, h: number, w: number): tf.Tensor4D {
  return windowReverse(groups, [h / axis, w / axis], h, w);
}

/** Non-overlapping strided conv (kernel = stride, no padding: sides are floored), LN, dropout. */
export class PatchTransform extends Module {
  readonly proj: Conv2d;
  readonly norm?: LayerNorm;
  readonly drop: Dropout;

  constructor(inChannels: number, outChannels: number, stride: number, patchNorm: boolean, dropRate: number) {
    super();
    this.proj = this.addModule('proj', new Conv2d(inChannels, outChannels, stride, { stride }));
    if (patchNorm) this.norm = this.addModule('norm', new LayerNorm(outChannels));
    this.drop = this.addModule('drop', new Dropout(dropRate));
  }

  /** [B, H, W, C_in] -> [B, ⌊H/s⌋, ⌊W/s⌋, C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const y = this.proj.forward(x);
      return this.drop.forward(this.norm ? this.norm.forward(y) : y) as tf.Tensor4D;
    });
  }
}

/**
 * Pyramid group multi-head self-attention (PG-MSA): separate `q` and `kv` projections, full attention inside each
 * group of a √G×√G grid. When the grid does not divide the map it is zero-padded at the bottom/right (after the
 * block's LN, as the port); padded tokens are not masked: they take part as keys and values with the projection
 * biases as features.
 */
export class PGMSA extends QKVAttention {
  readonly groupAxis: number;

  constructor(
    embedDims: number,
    numHeads: number,
    readonly groupNum: number,
    o: { qkvBias: boolean; qkScale: number | null; attnDrop: number; projDrop: number },
  ) {
    super(embedDims, numHeads, o);
    this.groupAxis = Math.round(Math.sqrt(groupNum));
    if (this.groupAxis ** 2 !== groupNum) throw new Error(`group_num must be a perfect square (a √G×√G grid), got ${groupNum}`);
  }

  /** [B, H, W, C] -> [B, H, W, C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const a = this.groupAxis;
      const [bottom, right] = groupPadding(h, w, a);
      const padded = bottom + right > 0 ? tf.pad(x, [[0, 0], [0, bottom], [0, right], [0, 0]]) : x;
      const groups = groupPartition(padded, a); // [B·G, n, C]
      let y = groupMerge(this.attend(groups, groups), a, h + bottom, w + right);
      if (bottom + right > 0) y = tf.slice(y, [0, 0, 0, 0], [-1, h, w, -1]);
      return this.project(y);
    });
  }
}

/** Conditional position encoding: a 3×3 depthwise conv with bias, added residually by the block. */
export class CPE extends Module {
  readonly conv: Conv2d;

  constructor(dim: number) {
    super();
    this.conv = this.addModule('conv', new Conv2d(dim, dim, 3, { padding: 1, groups: dim }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.forward(x) as tf.Tensor4D;
  }
}

/**
 * Pre-norm block: x + DropPath(PG-MSA(LN(x))), then x + DropPath(FFN(LN(x))), then x + CPE(x) (the CPE residual comes
 * after the block, without DropPath).
 */
export class PGTBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attn: PGMSA;
  readonly norm2: LayerNorm;
  readonly ffn: FFN;
  readonly cpe: CPE;
  readonly dropPath: DropPath;

  constructor(
    dim: number,
    numHeads: number,
    groupNum: number,
    o: { mlpRatio: number; qkvBias: boolean; qkScale: number | null; drop: number; attnDrop: number; dropPath: number },
  ) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim));
    this.attn = this.addModule(
      'attn',
      new PGMSA(dim, numHeads, groupNum, { qkvBias: o.qkvBias, qkScale: o.qkScale, attnDrop: o.attnDrop, projDrop: o.drop }),
    );
    this.norm2 = this.addModule('norm2', new LayerNorm(dim));
    this.ffn = this.addModule('ffn', new FFN(dim, Math.floor(dim * o.mlpRatio), 2, o.drop));
    this.cpe = this.addModule('cpe', new CPE(dim));
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath));
  }

  /** [B, H, W, C] -> [B, H, W, C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const x1 = add(x, this.dropPath.forward(this.attn.forward(this.norm1.forward(x) as tf.Tensor4D)));
      const x2 = add(x1, this.dropPath.forward(this.ffn.forward(this.norm2.forward(x1)))) as tf.Tensor4D;
      return add(x2, this.cpe.forward(x2));
    });
  }
}

/** One stage: its PatchTransform, then its blocks (run piece by piece: PyramidGroupTransformer's cuts). */
export class PGTStage extends Module {
  readonly transform: PatchTransform;
  readonly blocks: ModuleList<PGTBlock>;

  constructor(transform: PatchTransform, blocks: PGTBlock[]) {
    super();
    this.transform = this.addModule('transform', transform);
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
  }
}

export class PyramidGroupTransformer extends Module {
  readonly stages: ModuleList<PGTStage>;
  readonly norms: Map<number, LayerNorm>;
  readonly channels: number[];
  readonly outIndices: number[];
  /** Cuts after every block; a stage's last block ends with its output norm (cut `stages.{i}`). */
  readonly cuts: ForwardCuts;
  /** Whether blocks recompute their forward in the backward (with_cp). */
  readonly withCp: boolean;

  constructor(options: PGTOptions = {}, ctx?: BuildContext) {
    super();
    const o = resolveOptions(PGTOptions, options, ctx);
    const { embed_dims: embedDims, depths, num_heads: numHeads, group_nums: groupNums, strides } = o;
    const { patch_size: patchSize, drop_rate: dropRate, drop_path_rate: dropPathRate } = o;
    for (const [name, list] of [['num_heads', numHeads], ['group_nums', groupNums], ['strides', strides]] as const) {
      if (list.length !== depths.length) throw new Error(`${name} has ${list.length} entries but depths has ${depths.length}`);
    }
    if (strides[0] !== patchSize) throw new Error(`patch_size ${patchSize} must equal strides[0] ${strides[0]} (non-overlapping patch embedding)`);
    this.outIndices = o.out_indices;
    this.withCp = o.with_cp;
    const bad = this.outIndices.find((i) => !(Number.isInteger(i) && i >= 0 && i < depths.length));
    if (bad !== undefined) throw new Error(`out_indices: ${bad} is not a stage index (0..${depths.length - 1})`);
    this.channels = depths.map((_, i) => embedDims * 2 ** i);

    const total = depths.reduce((a, b) => a + b, 0);
    const dpr = Array.from({ length: total }, (_, i) => (total > 1 ? (dropPathRate * i) / (total - 1) : 0));
    const blockOptions = {
      mlpRatio: o.mlp_ratio,
      qkvBias: o.qkv_bias,
      qkScale: o.qk_scale,
      drop: dropRate,
      attnDrop: o.attn_drop_rate,
    };
    const stages = depths.map((depth, i) => {
      const dim = this.channels[i];
      const start = depths.slice(0, i).reduce((a, b) => a + b, 0);
      // The port's dropout after the PatchTransform acts in the first stage only.
      const transform = new PatchTransform(
        i === 0 ? o.in_channels : this.channels[i - 1],
        dim,
        strides[i],
        o.patch_norm,
        i === 0 ? dropRate : 0,
      );
      const blocks = Array.from(
        { length: depth },
        (_, j) => new PGTBlock(dim, numHeads[i], groupNums[i], { ...blockOptions, dropPath: dpr[start + j] }),
      );
      return new PGTStage(transform, blocks);
    });
    this.stages = this.addModule('stages', new ModuleList(stages));
    this.norms = new Map(this.outIndices.map((i) => [i, this.addModule(`norm${i}`, new LayerNorm(this.channels[i]))]));
    this.cuts = chainCuts(this.#pieces(), o.in_channels, this.stages.items.slice(0, -1).map((_, i) => `stages.${i}`));
    // The port's init_weights without a checkpoint: trunc_normal(0.02) Linears, LN (1, 0); convs keep PyTorch's init.
    initTransformerWeights(this, 0.02);
  }

  /** x: [B, H, W, C_in] -> one [B, H_i, W_i, C_i] map per out index, after its `norm{i}` (strides 4, 8, 16, 32). */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return this.cuts.run([x], -1, this.cuts.names.length).outs;
  }

  /** The forward as one piece per block; a stage's first also runs its patch transform, its last its output norm. */
  #pieces(): ForwardPiece[] {
    return this.stages.items.flatMap((stage, i) =>
      stage.blocks.items.map((block, j): ForwardPiece => {
        const ends = j === stage.blocks.length - 1;
        const norm = ends ? this.norms.get(i) : undefined;
        return {
          name: ends ? `stages.${i}` : `stages.${i}.blocks.${j}`,
          channels: this.channels[i],
          outChannels: norm && this.channels[i],
          run: ([h], emit) => {
            const x = j === 0 ? stage.transform.forward(h as tf.Tensor4D) : (h as tf.Tensor4D);
            const y = this.withCp
              ? checkpoint((t: tf.Tensor4D) => block.forward(t), x, block.trainableParameters().map(([, v]) => v))
              : block.forward(x);
            if (norm) emit.outs.push(norm.forward(y) as tf.Tensor4D);
            return [y];
          },
        };
      }),
    );
  }
}

/** The FTN port's variants (configs/ftn/ftn_pgt_{tiny,small,base,large}_512x512_160k_ade20k.py), FTN's out indices. */
export const PGT_PRESETS = {
  'pgt-tiny': { embed_dims: 64, depths: [2, 2, 6, 2], num_heads: [2, 4, 8, 16], drop_path_rate: 0.1, out_indices: [1, 2, 3] },
  'pgt-small': { embed_dims: 96, depths: [2, 2, 6, 2], num_heads: [3, 6, 12, 24], drop_path_rate: 0.1, out_indices: [1, 2, 3] },
  'pgt-base': { embed_dims: 96, depths: [2, 2, 18, 2], num_heads: [3, 6, 12, 24], drop_path_rate: 0.3, out_indices: [1, 2, 3] },
  'pgt-large': { embed_dims: 128, depths: [2, 2, 18, 2], num_heads: [4, 8, 16, 32], drop_path_rate: 0.3, out_indices: [1, 2, 3] },
} satisfies Record<string, PGTOptions>;

registries.backbone.register('PyramidGroupTransformer', {
  schema: PGTOptions,
  build: (o, ctx) => applyInitCfg(new PyramidGroupTransformer(o, ctx), o.init_cfg, ctx),
});
