/**
 * HiFormer's encoder (Heidari et al., "HiFormer: Hierarchical Multi-scale Representations Using Transformers for
 * Medical Image Segmentation", WACV 2023; github amirhossein-kz/HiFormer, models/Encoder.py): `All2Cross` with its
 * `pyramid` (PyramidFeatures: a torchvision ResNet's children[:7] beside three Swin stages, joined at 1/4, 1/8 and
 * 1/16), learned position embeddings per level and the Double-Level Fusion (lib/backbones/hiformer-dlf.ts).
 * Parameter names are the official ones under `All2Cross.`; the decoder is heads/hiformer.ts.
 *
 * The model is built for one input size (`image_size`): the position embeddings hold (s/4)² + 1 and (s/16)² + 1
 * tokens. As the official `All2Cross.apply(_init_weights)` runs after the pretrained Swin-T is loaded, every Linear
 * and LayerNorm (the Swin stages' too) starts from trunc_normal(0.02) / (1, 0); the ResNet keeps torchvision's init.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type, type TSchema } from '@sinclair/typebox';
import {
  Conv2d, LayerNorm, Module, ModuleList, ParameterList, init, initTransformerWeights, type Layer,
} from '../nn/index.js';
import { shiftedMaskCache } from '../nn/window.js';
import { choice, defineOptions, nullable, option, type OptionsInput, type ResolvedOptions } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { positive, positiveInt, positiveInts, probability } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import { applyInitCfg, initCfgOption } from './init-cfg.js';
import { hiformerCheckpointAdapter } from './hiformer-checkpoint.js';
import { MultiScaleBlock } from './hiformer-dlf.js';
import { ResNet, type ResNetDepth } from './resnet.js';
import { PatchMerging, SwinTransformerBlock } from './swin.js';

const triple = <T extends TSchema>(item: T) => Type.Array(item, { minItems: 3, maxItems: 3 });
const pair = <T extends TSchema>(item: T) => Type.Array(item, { minItems: 2, maxItems: 2 });

export const All2CrossOptions = defineOptions(
  'All2Cross',
  "HiFormer's encoder: ResNet and Swin stages joined at 1/4, 1/8, 1/16 (PyramidFeatures), then Double-Level Fusion of " +
    'the 1/4 and 1/16 token levels through their CLS tokens; outputs the two maps and their CLS tokens',
  {
    image_size: option(positiveInt, 224, 'the input side the model is built for (position embeddings, Swin stages); a multiple of 16'),
    in_channels: option(positiveInt, 3, 'input channels'),
    cnn_backbone: option(
      choice(['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152']),
      'resnet34',
      "the CNN branch: torchvision's ResNet, children[:7] (conv1 .. layer3)",
    ),
    swin_pyramid_fm: option(triple(positiveInt), [96, 192, 384], 'widths of the Swin stages at 1/4, 1/8, 1/16: C, 2C, 4C'),
    swin_depths: option(triple(positiveInt), [2, 2, 6], 'blocks of the three Swin stages'),
    swin_num_heads: option(triple(positiveInt), [3, 6, 12], 'attention heads of the three Swin stages'),
    window_size: option(positiveInt, 7, 'Swin window side; a stage no larger than it attends over the whole map, unshifted'),
    swin_drop_path_rate: option(probability, 0.1, 'stochastic depth of the Swin blocks, rising linearly to this'),
    depth: option(
      Type.Array(triple(Type.Integer({ minimum: 0 })), { minItems: 1 }),
      [[1, 1, 0]],
      'DLF blocks, each [b0, b1, fuse]: ViT Blocks per branch (kept for checkpoints, unused by the official forward) and ' +
        'cross-attention blocks (0: one)',
    ),
    num_heads: option(pair(positiveInt), [3, 3], 'DLF attention heads of the 1/4 and the 1/16 branch'),
    mlp_ratio: option(triple(positive), [1, 1, 1], "MLP ratio of each branch's ViT Blocks (the third is unused)"),
    drop_rate: option(probability, 0, 'DLF dropout after attention projections'),
    attn_drop_rate: option(probability, 0, 'DLF dropout on attention weights'),
    drop_path_rate: option(probability, 0, 'DLF stochastic depth'),
    qkv_bias: option(Type.Boolean(), true, 'bias in the DLF q, k, v projections'),
    qk_scale: option(nullable(Type.Number()), null, 'DLF attention scale; null: head_dim^-0.5'),
    cross_pos_embed: option(Type.Boolean(), true, 'add the learned position embeddings before the DLF'),
    init_cfg: initCfgOption,
  },
);
export type All2CrossOptions = OptionsInput<typeof All2CrossOptions>;
type Resolved = ResolvedOptions<typeof All2CrossOptions>;

/** `torch.linspace(0, end, n)` */
const linspace = (end: number, n: number) => Array.from({ length: n }, (_, i) => (n > 1 ? (end * i) / (n - 1) : 0));

/**
 * One Swin stage of HiFormer's utils.py (`BasicLayer` without merging) at a fixed side: blocks alternate W-MSA and
 * SW-MSA (shift ws/2), except that a stage no larger than the window takes one window of its side, unshifted.
 */
export class SwinStage extends Module {
  readonly blocks: ModuleList<SwinTransformerBlock>;
  readonly #mask: (h: number, w: number) => tf.Tensor3D;

  constructor(dim: number, side: number, depth: number, numHeads: number, windowSize: number, dropPath: number[]) {
    super();
    const ws = Math.min(side, windowSize);
    const shift = side <= windowSize ? 0 : Math.floor(windowSize / 2);
    const o = { mlpRatio: 4, qkvBias: true, qkScale: null, drop: 0, attnDrop: 0 };
    const block = (i: number) => new SwinTransformerBlock(dim, numHeads, ws, i % 2 === 0 ? 0 : shift, { ...o, dropPath: dropPath[i] });
    const blocks = Array.from({ length: depth }, (_, i) => block(i));
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
    this.#mask = shiftedMaskCache(ws, shift, (m) => this.addConstant(m));
  }

  /** [B, H, W, C] -> [B, H, W, C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    const mask = this.#mask(x.shape[1], x.shape[2]);
    return tf.tidy(() => this.blocks.items.reduce((h, block) => block.forward(h, mask), x));
  }
}

/** Encoder.py's `SwinTransformer`: only its stages (`layers.{0,1,2}`), no patch embedding, merging or norms. */
export class SwinStages extends Module {
  readonly layers: ModuleList<SwinStage>;

  constructor(o: Resolved) {
    super();
    const dpr = linspace(o.swin_drop_path_rate, o.swin_depths.reduce((a, b) => a + b, 0));
    const stages = o.swin_depths.map((depth, i) => {
      const start = o.swin_depths.slice(0, i).reduce((a, b) => a + b, 0);
      const side = o.image_size / 4 / 2 ** i;
      return new SwinStage(o.swin_pyramid_fm[i], side, depth, o.swin_num_heads[i], o.window_size, dpr.slice(start, start + depth));
    });
    this.layers = this.addModule('layers', new ModuleList(stages));
  }
}

/** [B, H, W, C] with its CLS [B, 1, C] in front: [B, 1 + H·W, C]. */
function tokens(map: tf.Tensor4D, cls: tf.Tensor3D): tf.Tensor3D {
  const [b, h, w, c] = map.shape;
  return tf.concat([cls, tf.reshape(map, [b, h * w, c])], 1);
}

/** The CLS token of a level: LayerNorm, then the mean over positions (`avgpool_{1,2}`), [B, H, W, C] -> [B, 1, C]. */
function meanToken(norm: LayerNorm, map: tf.Tensor4D): tf.Tensor3D {
  const [b, , , c] = map.shape;
  return tf.reshape(tf.mean(norm.forward(map), [1, 2]), [b, 1, c]);
}

/**
 * `PyramidFeatures`: the ResNet (`resnet_layers`, torchvision's children[:7]) and the Swin stages, level by level:
 * 1/4: sw1 = t + stage0(t), t = p1_ch(layer1); 1/8: stage1(p1_pm(sw1)) + p2_ch(layer2); 1/16: stage2(p2_pm(...)) +
 * p3_ch(layer3). Each returned level is led by its CLS token, the mean of LN(level).
 */
export class PyramidFeatures extends Module {
  readonly swinTransformer: SwinStages;
  readonly resnetLayers: ModuleList<Layer>;
  readonly p1Ch: Conv2d;
  readonly p1Pm: PatchMerging;
  readonly norm1: LayerNorm;
  readonly p2Ch: Conv2d;
  readonly p2Pm: PatchMerging;
  readonly p3Ch: Conv2d;
  readonly norm2: LayerNorm;

  constructor(o: Resolved) {
    super();
    const [c1, c2, c3] = o.swin_pyramid_fm;
    this.swinTransformer = this.addModule('swin_transformer', new SwinStages(o));
    const depth = Number(o.cnn_backbone.slice('resnet'.length)) as ResNetDepth;
    const resnet = new ResNet({ depth, in_channels: o.in_channels, num_stages: 3, out_indices: [] });
    this.resnetLayers = this.addModule('resnet_layers', new ModuleList(resnet.namedChildren().map(([, m]) => m as Layer)));
    const [f1, f2, f3] = resnet.channels;
    this.p1Ch = this.addModule('p1_ch', new Conv2d(f1, c1, 1));
    this.p1Pm = this.addModule('p1_pm', new PatchMerging(c1));
    this.norm1 = this.addModule('norm_1', new LayerNorm(c1));
    this.p2Ch = this.addModule('p2_ch', new Conv2d(f2, c2, 1));
    this.p2Pm = this.addModule('p2_pm', new PatchMerging(c2));
    this.p3Ch = this.addModule('p3_ch', new Conv2d(f3, c3, 1));
    this.norm2 = this.addModule('norm_2', new LayerNorm(c3));
  }

  /** x [B, H, W, C_in] -> [B, 1 + (H/4)·(W/4), C1] and [B, 1 + (H/16)·(W/16), C3] */
  forward(x: tf.Tensor4D): tf.Tensor3D[] {
    return tf.tidy(() => {
      const [stage0, stage1, stage2] = this.swinTransformer.layers.items;
      const layer = (i: number, h: tf.Tensor4D) => this.resnetLayers.at(i).forward(h) as tf.Tensor4D;
      const fm1 = [0, 1, 2, 3, 4].reduce((h, i) => layer(i, h), x);
      const t1 = this.p1Ch.forward(fm1) as tf.Tensor4D;
      const sw1 = tf.add(t1, stage0.forward(t1)) as tf.Tensor4D;
      const fm2 = layer(5, fm1);
      // the official fm2_sw2_skipped (1/8) and fm3_sw3_skipped (1/16)
      const fm2Sw2 = tf.add(this.p2Ch.forward(fm2), stage1.forward(this.p1Pm.forward(sw1))) as tf.Tensor4D;
      const fm3Sw3 = tf.add(this.p3Ch.forward(layer(6, fm2)), stage2.forward(this.p2Pm.forward(fm2Sw2))) as tf.Tensor4D;
      return [tokens(sw1, meanToken(this.norm1, sw1)), tokens(fm3Sw3, meanToken(this.norm2, fm3Sw3))];
    });
  }
}

/**
 * The stochastic depth of each DLF block as the official All2Cross deals it: linspace(0, rate, Σ(b1 + fuse)), each
 * block taking the next max(b0, b1) + fuse values.
 */
function dlfDropPaths(depth: number[][], rate: number, path: string): number[][] {
  const dpr = linspace(rate, depth.reduce((n, d) => n + d[1] + d[2], 0));
  let start = 0;
  return depth.map((d) => {
    const count = Math.max(d[0], d[1]) + d[2];
    const taken = dpr.slice(start, start + count);
    start += count;
    if (taken.length < Math.max(d[0], d[1], 1)) {
      throw new Error(
        `${path}.depth: ${JSON.stringify(depth)} leaves DLF blocks without a drop-path rate in the official schedule ` +
          '(Σ(b1 + fuse) values); keep b1 >= b0',
      );
    }
    return taken;
  });
}

export class All2Cross extends Module {
  /** Official HiFormer and torchvision ResNet checkpoints (lib/backbones/hiformer-checkpoint.ts). */
  static override readonly checkpointAdapter = hiformerCheckpointAdapter;

  readonly pyramid: PyramidFeatures;
  readonly posEmbed: ParameterList;
  readonly blocks: ModuleList<MultiScaleBlock>;
  readonly norm: ModuleList<LayerNorm>;
  readonly imageSize: number;
  readonly crossPosEmbed: boolean;
  /** Widths of the two levels (1/4 and 1/16). */
  readonly embedDims: [number, number];

  constructor(options: All2CrossOptions = {}, ctx?: BuildContext) {
    super();
    const o = resolveOptions(All2CrossOptions, options, ctx);
    const path = ctx?.path ?? 'All2Cross';
    checkGeometry(o, path);
    const dropPaths = dlfDropPaths(o.depth, o.drop_path_rate, path);
    this.imageSize = o.image_size;
    this.crossPosEmbed = o.cross_pos_embed;
    this.embedDims = [o.swin_pyramid_fm[0], o.swin_pyramid_fm[2]];
    this.pyramid = this.addModule('pyramid', new PyramidFeatures(o));
    const sides = [o.image_size / 4, o.image_size / 16];
    const posEmbed = this.embedDims.map((c, i) => init.truncNormal([1, 1 + sides[i] ** 2, c], 0.02));
    this.posEmbed = this.addModule('pos_embed', new ParameterList(posEmbed));
    const dlf = { qkvBias: o.qkv_bias, qkScale: o.qk_scale, drop: o.drop_rate, attnDrop: o.attn_drop_rate };
    const blocks = o.depth.map((d, k) => new MultiScaleBlock(this.embedDims, d, o.num_heads, o.mlp_ratio, dropPaths[k], dlf));
    this.blocks = this.addModule('blocks', new ModuleList(blocks));
    this.norm = this.addModule('norm', new ModuleList(this.embedDims.map((c) => new LayerNorm(c))));
    initTransformerWeights(this);
  }

  /** The official forward: x [B, s, s, C_in] -> [B, 1 + (s/4)², C1] and [B, 1 + (s/16)², C3], CLS first. */
  forwardTokens(x: tf.Tensor4D): tf.Tensor3D[] {
    this.#checkInput(x);
    return tf.tidy(() => {
      let xs = this.pyramid.forward(x);
      if (this.crossPosEmbed) xs = xs.map((t, i) => tf.add(t, this.posEmbed.items[i]));
      xs = this.blocks.items.reduce((h, block) => block.forward(h), xs);
      return xs.map((t, i) => this.norm.at(i).forward(t) as tf.Tensor3D);
    });
  }

  /** x [B, s, s, C_in] -> the levels as maps [B, s/4, s/4, C1], [B, s/16, s/16, C3], then their CLS tokens [B, 1, 1, C]. */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const levels = this.forwardTokens(x);
      const [b] = x.shape;
      const maps = levels.map((t) => {
        const side = Math.round(Math.sqrt(t.shape[1] - 1));
        return tf.reshape(tf.slice(t, [0, 1, 0], [-1, -1, -1]), [b, side, side, t.shape[2]]) as tf.Tensor4D;
      });
      const cls = levels.map((t) => tf.reshape(tf.slice(t, [0, 0, 0], [-1, 1, -1]), [b, 1, 1, t.shape[2]]) as tf.Tensor4D);
      return [...maps, ...cls];
    });
  }

  #checkInput(x: tf.Tensor4D): void {
    const [, h, w] = x.shape;
    const s = this.imageSize;
    if (h === s && w === s) return;
    const tokens = this.posEmbed.items.map((p) => p.shape[1]).join(' and ');
    throw new Error(
      `All2Cross (HiFormer): input ${h}×${w}, but the model is built for ${s}×${s} (image_size ${s}: its position embeddings ` +
        `pos_embed.0 / pos_embed.1 hold ${tokens} tokens); resize the input to ${s}×${s}, as HiFormer zooms Synapse slices ` +
        'to 224, or build a model with image_size equal to the (square) input side',
    );
  }
}

/** The sizes the official code can run: sides that halve evenly down to 1/16 and windows that tile each Swin stage. */
function checkGeometry(o: Resolved, path: string): void {
  const s = o.image_size;
  if (s % 16 !== 0) throw new Error(`${path}.image_size: ${s} is not a multiple of 16 (levels at 1/4, 1/8 and 1/16, merged 2×2)`);
  const [c1, c2, c3] = o.swin_pyramid_fm;
  if (c2 !== 2 * c1 || c3 !== 4 * c1) {
    throw new Error(`${path}.swin_pyramid_fm: [${c1}, ${c2}, ${c3}] is not [C, 2C, 4C] (patch merging doubles the width)`);
  }
  o.swin_num_heads.forEach((heads, i) => {
    const width = o.swin_pyramid_fm[i];
    if (width % heads !== 0) throw new Error(`${path}.swin_num_heads: stage ${i} width ${width} is not divisible by ${heads} heads`);
  });
  o.num_heads.forEach((heads, d) => {
    const width = [c1, c3][d];
    if (width % heads !== 0) throw new Error(`${path}.num_heads: level ${d} width ${width} is not divisible by ${heads} heads`);
  });
  const ws = o.window_size;
  for (const [i, side] of [s / 4, s / 8, s / 16].entries()) {
    if (side > ws && side % ws !== 0) {
      throw new Error(
        `${path}.window_size: ${ws} does not tile Swin stage ${i} (${side}×${side} at image_size ${s}); pick a window that divides ${side}`,
      );
    }
  }
}

registries.backbone.register('All2Cross', {
  schema: All2CrossOptions,
  build: (o, ctx) => applyInitCfg(new All2Cross(o, ctx), o.init_cfg, ctx),
});
