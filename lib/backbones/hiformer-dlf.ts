/**
 * HiFormer's Double-Level Fusion (DLF): CrossViT's multi-scale block (Chen et al., arXiv 2103.14899) as HiFormer's
 * utils.py builds it (github amirhossein-kz/HiFormer), on two token lists [B, 1+N_d, C_d] whose first token is a CLS:
 * each branch's CLS is projected to the other branch's width, attends over that branch's patches (the CLS is the only
 * query), and is projected back. Official names: `blocks.{k}.{i}`, `projs.{d}.{0,2}`, `fusion.{d}.{norm1,attn.{wq,wk,wv,proj}}`,
 * `revert_projs.{d}.{0,2}`.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DropPath, Dropout, GELU, LayerNorm, Linear, Module, ModuleList, Sequential, multiHeadAttention, type Layer,
} from '../nn/index.js';
import { Block } from './vit.js';

export interface DlfOptions {
  qkvBias: boolean;
  /** Overrides head_dim^-0.5. */
  qkScale: number | null;
  drop: number;
  attnDrop: number;
}

/** `CrossAttention`: the first token queries every token, [B, N, C] -> [B, 1, C]; q, k and v in separate Linears. */
export class CrossAttention extends Module {
  readonly wq: Linear;
  readonly wk: Linear;
  readonly wv: Linear;
  readonly attnDrop: Dropout;
  readonly proj: Linear;
  readonly projDrop: Dropout;
  readonly scale: number;

  constructor(
    dim: number,
    readonly numHeads: number,
    o: DlfOptions,
  ) {
    super();
    if (dim % numHeads !== 0) throw new Error(`DLF: width ${dim} is not divisible by num_heads ${numHeads}`);
    this.scale = o.qkScale ?? (dim / numHeads) ** -0.5;
    this.wq = this.addModule('wq', new Linear(dim, dim, o.qkvBias));
    this.wk = this.addModule('wk', new Linear(dim, dim, o.qkvBias));
    this.wv = this.addModule('wv', new Linear(dim, dim, o.qkvBias));
    this.attnDrop = this.addModule('attn_drop', new Dropout(o.attnDrop));
    this.proj = this.addModule('proj', new Linear(dim, dim));
    this.projDrop = this.addModule('proj_drop', new Dropout(o.drop));
  }

  /** x [B, N, C] -> [B, 1, C] */
  forward(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const q = this.wq.forward(tf.slice(x, [0, 0, 0], [-1, 1, -1])) as tf.Tensor3D;
      const k = this.wk.forward(x) as tf.Tensor3D;
      const v = this.wv.forward(x) as tf.Tensor3D;
      const y = multiHeadAttention(q, k, v, this.numHeads, this.scale, this.attnDrop);
      return this.projDrop.forward(this.proj.forward(y)) as tf.Tensor3D;
    });
  }
}

/** `CrossAttentionBlock` without MLP (has_mlp false, as every DLF builds it): cls + DropPath(attn(LN(x))), [B, 1, C]. */
export class CrossAttentionBlock extends Module implements Layer {
  readonly norm1: LayerNorm;
  readonly attn: CrossAttention;
  readonly dropPath: DropPath;

  constructor(dim: number, numHeads: number, dropPath: number, o: DlfOptions) {
    super();
    this.norm1 = this.addModule('norm1', new LayerNorm(dim));
    this.attn = this.addModule('attn', new CrossAttention(dim, numHeads, o));
    this.dropPath = this.addModule('drop_path', new DropPath(dropPath));
  }

  /** x [B, N, C] -> [B, 1, C] */
  forward(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const cls = tf.slice(x, [0, 0, 0], [-1, 1, -1]);
      return tf.add(cls, this.dropPath.forward(this.attn.forward(this.norm1.forward(x) as tf.Tensor3D))) as tf.Tensor3D;
    });
  }
}

/** LN -> GELU -> Linear (`projs.{d}` and `revert_projs.{d}`: `.0` and `.2` hold the state). */
function projection(from: number, to: number): Sequential {
  return new Sequential([new LayerNorm(from), new GELU(), new Linear(from, to)]);
}

/** The first token of [B, 1+N, C]: [B, 1, C]. */
const clsOf = (t: tf.Tensor3D) => tf.slice(t, [0, 0, 0], [-1, 1, -1]);
/** The patch tokens of [B, 1+N, C]: [B, N, C]. */
const patchesOf = (t: tf.Tensor3D) => tf.slice(t, [0, 1, 0], [-1, -1, -1]);

/**
 * `MultiScaleBlock` of two branches with depth [b0, b1, fuse]:
 * - `blocks.{k}`: timm ViT Blocks per branch with depth > 0 (b_d of them, heads num_heads[d], mlp_ratio[d]). The
 *   official forward runs them and returns the tokens from before them, so they hold checkpoint weights and are not run;
 * - `fusion.{d}`: one CrossAttentionBlock at the other branch's width with its heads (fuse 0), or a Sequential of fuse.
 */
export class MultiScaleBlock extends Module {
  readonly blocks: ModuleList<Sequential>;
  readonly projs: ModuleList<Sequential>;
  readonly fusion: ModuleList<Layer>;
  readonly revertProjs: ModuleList<Sequential>;

  /** @param dropPath the stochastic depth of the Blocks (by index) and of the fusion (the last entry) */
  constructor(dims: number[], depth: number[], numHeads: number[], mlpRatio: number[], dropPath: number[], o: DlfOptions) {
    super();
    const other = (d: number) => (d + 1) % dims.length;
    const branches = dims.map((_, d) => d).filter((d) => depth[d] > 0);
    const blocks = branches.map((d) => new Sequential(Array.from({ length: depth[d] }, (_, i) => new Block(dims[d], numHeads[d], {
      mlpRatio: mlpRatio[d], qkvBias: o.qkvBias, drop: 0, attnDrop: o.attnDrop, dropPath: dropPath[i], eps: 1e-5,
    }))));
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
    this.projs = this.addModule('projs', new ModuleList(dims.map((dim, d) => projection(dim, dims[other(d)]))));
    const fuse = depth[depth.length - 1];
    const crossBlock = (d: number) => new CrossAttentionBlock(dims[other(d)], numHeads[other(d)], dropPath[dropPath.length - 1], o);
    const fusion = dims.map((_, d) => (fuse === 0 ? crossBlock(d) : new Sequential(Array.from({ length: fuse }, () => crossBlock(d)))));
    this.fusion = this.addModule('fusion', new ModuleList<Layer>(fusion));
    this.revertProjs = this.addModule('revert_projs', new ModuleList(dims.map((dim, d) => projection(dims[other(d)], dim))));
  }

  /** Each branch [B, 1+N_d, C_d] with its CLS replaced by the fused one: the same shapes. */
  forward(xs: tf.Tensor3D[]): tf.Tensor3D[] {
    return tf.tidy(() => {
      const projected = xs.map((x, d) => this.projs.at(d).forward(clsOf(x)));
      return xs.map((x, d) => {
        const o = (d + 1) % xs.length;
        const fused = this.fusion.at(d).forward(tf.concat([projected[d], patchesOf(xs[o])], 1)) as tf.Tensor3D;
        return tf.concat([this.revertProjs.at(d).forward(fused), patchesOf(x)], 1) as tf.Tensor3D;
      });
    });
  }
}
