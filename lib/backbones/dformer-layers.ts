/**
 * The layers of D-Former (github kkk55596/D-Former, model.py), channels-last on [B, D, H, W, C] volumes, with the
 * official parameter names: PatchEmbed3D, PosCNN (the PEG position encoding), DFormerBlock3D (LS-MSA / GS-MSA in
 * the groups of lib/backbones/dformer-attention.ts), PatchMerging (3D), PatchExpand3D (also FinalPatchExpand_X4) and the stages
 * (`BasicLayer` with `downsample`, `BasicLayer_up` with `upsample`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv3d, DropPath, LayerNorm, Linear, Mlp, Module, ModuleList, Sequential, view } from '../nn/index.js';
import { grouping, keyMask, partition, unpartition, type Grouping } from './dformer-attention.js';
import { Attention } from './vit.js';

type Triple = [number, number, number];

/** Conv3d with kernel = stride = patch after zero padding D, H, W to multiples of it, then LN. */
export class PatchEmbed3D extends Module {
  readonly proj: Conv3d;
  readonly norm: LayerNorm;

  constructor(
    readonly patchSize: Triple,
    inChannels: number,
    embedDims: number,
  ) {
    super();
    this.proj = this.addModule('proj', new Conv3d(inChannels, embedDims, patchSize, { stride: patchSize }));
    this.norm = this.addModule('norm', new LayerNorm(embedDims));
  }

  /** [B, D, H, W, C_in] -> [B, ⌈D/pd⌉, ⌈H/ph⌉, ⌈W/pw⌉, C] */
  forward(x: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => {
      const pads = x.shape.slice(1, 4).map((n, i) => [0, (this.patchSize[i] - (n % this.patchSize[i])) % this.patchSize[i]]);
      const padded = tf.pad(x, [[0, 0], ...pads, [0, 0]] as [number, number][]);
      return this.norm.forward(this.proj.forward(padded)) as tf.Tensor5D;
    });
  }
}

/** The PEG: x + depthwise 3×3×3 conv (with bias) of x, as `pos_block.proj.0`. */
export class PosCNN extends Module {
  readonly proj: Sequential;

  constructor(dim: number) {
    super();
    this.proj = this.addModule('proj', new Sequential([new Conv3d(dim, dim, 3, { padding: 1, groups: dim })]));
  }

  /** [B, D, H, W, C] -> [B, D, H, W, C] */
  forward(x: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => tf.add(x, this.proj.forward(x)));
  }
}

/** Pre-norm block: x + DropPath(GroupAttention(LN(x))), then x + DropPath(MLP(LN(x))); no position bias. */
export class DFormerBlock3D extends Module {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly dropPath: DropPath;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  /** Where errors say the block is (`layers.1.blocks.0`). */
  readonly where: string;
  /** Key masks by volume size, built once. */
  readonly #masks = new Map<string, tf.Tensor3D>();

  constructor(
    dim: number,
    numHeads: number,
    readonly groupSize: Triple,
    readonly interval: number,
    /** GS-MSA (the official gsm = 1, odd blocks) or LS-MSA. */
    readonly dilated: boolean,
    o: { mlpRatio: number; qkvBias: boolean; drop: number; attnDrop: number; dropPath: number; where: string },
  ) {
    super();
    this.where = o.where;
    this.norm1 = this.addModule('norm1', new LayerNorm(dim));
    this.attn = this.addModule('attn', new Attention(dim, numHeads, { qkvBias: o.qkvBias, attnDrop: o.attnDrop, projDrop: o.drop }));
    this.dropPath = this.addModule('drop_path', new DropPath(o.dropPath));
    this.norm2 = this.addModule('norm2', new LayerNorm(dim));
    this.mlp = this.addModule('mlp', new Mlp(dim, Math.floor(dim * o.mlpRatio), dim, o.drop));
  }

  /** [B, D, H, W, C] -> [B, D, H, W, C] */
  forward(x: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => {
      const x1 = tf.add(x, this.dropPath.forward(this.#attention(this.norm1.forward(x) as tf.Tensor5D)));
      return tf.add(x1, this.dropPath.forward(this.mlp.forward(this.norm2.forward(x1)))) as tf.Tensor5D;
    });
  }

  /** The official forward_part1 after norm1: pad, group, attend, ungroup, crop. */
  #attention(x: tf.Tensor5D): tf.Tensor5D {
    const [b, d, h, w, c] = x.shape;
    const g = grouping([d, h, w], this.groupSize, this.interval, this.dilated, this.where);
    const padded = g.pad.some((p) => p > 0) ? tf.pad(x, [[0, 0], [0, g.pad[0]], [0, g.pad[1]], [0, g.pad[2]], [0, 0]]) : x;
    const out = unpartition(this.attn.forward(partition(padded, g), this.#mask([d, h, w], g)), b, g);
    return g.pad.some((p) => p > 0) ? tf.slice(out, [0, 0, 0, 0, 0], [b, d, h, w, c]) : out;
  }

  #mask(size: Triple, g: Grouping): tf.Tensor3D | undefined {
    if (!g.masked) return undefined;
    const key = size.join('x');
    let mask = this.#masks.get(key);
    if (!mask) this.#masks.set(key, (mask = this.addConstant(keyMask(size, g))));
    return mask;
  }
}

/**
 * 3D patch merging: the 8 sub-volumes at (d, h, w) offsets in the official order (w fastest, then h, then d)
 * concatenated, LN(8C), Linear(8C -> 2C, no bias). Odd H or W are zero-padded (D is not, as the official code).
 */
export class PatchMerging3D extends Module {
  readonly reduction: Linear;
  readonly norm: LayerNorm;

  constructor(dim: number) {
    super();
    this.reduction = this.addModule('reduction', new Linear(8 * dim, 2 * dim, false));
    this.norm = this.addModule('norm', new LayerNorm(8 * dim));
  }

  /** [B, D, H, W, C] -> [B, D/2, ⌈H/2⌉, ⌈W/2⌉, 2C] */
  forward(x: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => {
      const [b, d, h0, w0, c] = x.shape;
      const padded = tf.pad(x, [[0, 0], [0, 0], [0, h0 % 2], [0, w0 % 2], [0, 0]]);
      const [h, w] = [h0 + (h0 % 2), w0 + (w0 % 2)];
      // [B·D/2, 2, H/2, 2, W/2, 2·C] -> [B·D/2, H/2, W/2, 2 (d), 2 (h), 2·C (w, c)]
      const split = view(padded, [(b * d) / 2, 2, h / 2, 2, w / 2, 2 * c]);
      const merged = view(tf.transpose(split, [0, 2, 4, 1, 3, 5]), [b, d / 2, h / 2, w / 2, 8 * c]);
      return this.reduction.forward(this.norm.forward(merged)) as tf.Tensor5D;
    });
  }
}

/**
 * Linear(C -> f·C_out, no bias), the channels rearranged `(p0 p1 p2 c)` into an upsampling by f = (p0, p1, p2),
 * then LN(C_out): PatchExpand3D (f = 2×2×2, C_out = C/2) and FinalPatchExpand_X4 (f = the patch size, C_out = C).
 */
export class PatchExpand3D extends Module {
  readonly expand: Linear;
  readonly norm: LayerNorm;

  constructor(
    dim: number,
    readonly factors: Triple,
    readonly outDim: number,
  ) {
    super();
    this.expand = this.addModule('expand', new Linear(dim, factors[0] * factors[1] * factors[2] * outDim, false));
    this.norm = this.addModule('norm', new LayerNorm(outDim));
  }

  /** [B, D, H, W, C] -> [B, p0·D, p1·H, p2·W, C_out] */
  forward(x: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => this.spread(this.tokens(x)));
  }

  /**
   * The expanded, normalised tokens before they are spread out: [B, D, H, W, C] -> [B, D, H, W, p0·p1·p2, C_out].
   * (LN acts per output token, so it commutes with the rearrangement; a per-token layer after it may too.)
   */
  tokens(x: tf.Tensor5D): tf.Tensor {
    return tf.tidy(() => {
      const [b, d, h, w] = x.shape;
      const [p0, p1, p2] = this.factors;
      return this.norm.forward(view(this.expand.forward(x), [b, d, h, w, p0 * p1 * p2, this.outDim]));
    });
  }

  /** The rearrangement `b d h w (p0 p1 p2 c) -> b (d p0) (h p1) (w p2) c` of tokens [B, D, H, W, p0·p1·p2, c]. */
  spread(t: tf.Tensor): tf.Tensor5D {
    return tf.tidy(() => {
      const [b, d, h, w, , c] = t.shape as number[];
      const [p0, p1, p2] = this.factors;
      // [B·D, H, W, p0, p1, p2·c] -> [B·D, p0, H, p1, W, p2·c]
      const split = view(t, [b! * d!, h!, w!, p0, p1, p2 * c!]);
      return view(tf.transpose(split, [0, 3, 1, 4, 2, 5]), [b!, d! * p0, h! * p1, w! * p2, c!]) as tf.Tensor5D;
    });
  }
}

export interface StageOptions {
  dim: number;
  depth: number;
  numHeads: number;
  groupSize: Triple;
  interval: number;
  mlpRatio: number;
  qkvBias: boolean;
  drop: number;
  attnDrop: number;
  /** One stochastic-depth rate per block. */
  dropPath: number[];
  /** `downsample` (PatchMerging, encoder), `upsample` (PatchExpand3D, decoder) or none. */
  resample: 'downsample' | 'upsample' | null;
  /** The stage's path, for errors (`layers.2`). */
  where: string;
}

/**
 * An encoder `BasicLayer` or a decoder `BasicLayer_up`: pos_block (PEG), blocks alternating LS-MSA (even) and GS-MSA
 * (odd), then PatchMerging (`downsample`) or PatchExpand3D (`upsample`). Members in the official registration order.
 */
export class DFormerStage extends Module {
  readonly blocks: ModuleList<DFormerBlock3D>;
  readonly posBlock: PosCNN;
  readonly resample?: PatchMerging3D | PatchExpand3D;

  constructor(o: StageOptions) {
    super();
    const block = (i: number) =>
      new DFormerBlock3D(o.dim, o.numHeads, o.groupSize, o.interval, i % 2 === 1, { ...o, dropPath: o.dropPath[i], where: `${o.where}.blocks.${i}` });
    this.blocks = this.addModule('blocks', new ModuleList(Array.from({ length: o.depth }, (_, i) => block(i))));
    if (o.resample === 'downsample') this.resample = this.addModule('downsample', new PatchMerging3D(o.dim));
    this.posBlock = this.addModule('pos_block', new PosCNN(o.dim));
    if (o.resample === 'upsample') this.resample = this.addModule('upsample', new PatchExpand3D(o.dim, [2, 2, 2], o.dim / 2));
  }

  /** [B, D, H, W, C] -> the same, merged to [B, D/2, H/2, W/2, 2C] or expanded to [B, 2D, 2H, 2W, C/2] */
  forward(x: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => {
      const y = this.blocks.items.reduce((h, blk) => blk.forward(h), this.posBlock.forward(x));
      return this.resample ? this.resample.forward(y) : y;
    });
  }
}
