/**
 * SeMask-Swin (Semantically Masked Swin, official SeMask-FPN code): the Swin segmentation backbone with one semantic
 * layer per stage after its blocks (before patch merging). The semantic layer normalises the stage's tokens, then
 * semantic attention (single head, no 1/√d scaling) mixes them through class scores; its output replaces the stage
 * feature, and the class scores (pre-softmax, `mlp_cls_q`) are the stage's semantic prior map.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, LayerNorm, Linear, Module, ModuleList } from '../nn/index.js';
import { windowPartition, windowReverse } from '../nn/window.js';
import { Type } from '@sinclair/typebox';
import { defineOptions, nullable, option, optional, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { positiveInt } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import { applyInitCfg } from './init-cfg.js';
import { SwinOptions, SwinTransformer, type StageRefiner } from './swin.js';

/** `SemanticAttention`: q, k: [N, K] class scores; v: [N, C]; Y = γ·Dropout(res(softmax(q·kᵀ)·v)) + X. */
export class SemanticAttention extends Module {
  readonly mlpClsQ: Linear;
  readonly mlpClsK: Linear;
  readonly mlpV: Linear;
  readonly mlpRes: Linear;
  readonly projDrop: Dropout;
  readonly gamma: tf.Variable;

  constructor(dim: number, numClasses: number) {
    super();
    this.mlpClsQ = this.addModule('mlp_cls_q', new Linear(dim, numClasses));
    this.mlpClsK = this.addModule('mlp_cls_k', new Linear(dim, numClasses));
    this.mlpV = this.addModule('mlp_v', new Linear(dim, dim));
    this.mlpRes = this.addModule('mlp_res', new Linear(dim, dim));
    this.projDrop = this.addModule('proj_drop', new Dropout(0.1));
    this.gamma = this.addParameter('gamma', tf.zeros([1]));
  }

  /** x: [B', N, C] -> the prior map [B', N, K] and the feature [B', N, C]. */
  forward(x: tf.Tensor3D): { prior: tf.Tensor3D; feature: tf.Tensor3D } {
    return tf.tidy(() => {
      const prior = this.mlpClsQ.forward(x) as tf.Tensor3D;
      const scores = tf.softmax(tf.matMul(prior, this.mlpClsK.forward(x) as tf.Tensor3D, false, true));
      const mixed = this.projDrop.forward(this.mlpRes.forward(tf.matMul(scores, this.mlpV.forward(x) as tf.Tensor3D)));
      return { prior, feature: tf.add(tf.mul(this.gamma, mixed), x) as tf.Tensor3D };
    });
  }
}

/**
 * The semantic layer of a stage: `SWSeMaskBlock` (windowed: non-shifted windows of `windowSize` over the map, zero
 * padded at the bottom/right and not masked) or `SeMaskBlock` (global: all tokens at once) when `windowSize` is null.
 */
export class SemanticLayer extends Module implements StageRefiner {
  readonly norm1: LayerNorm;
  readonly classInjection: ModuleList<SemanticAttention>;

  constructor(
    dim: number,
    readonly numClasses: number,
    readonly windowSize: number | null,
    numSemBlocks = 1,
  ) {
    super();
    if (numSemBlocks < 1) throw new Error(`a semantic layer needs at least one semantic block, got ${numSemBlocks}`);
    this.norm1 = this.addModule('norm1', new LayerNorm(dim));
    const blocks = Array.from({ length: numSemBlocks }, () => new SemanticAttention(dim, numClasses));
    this.classInjection = this.addModule('class_injection', new ModuleList(blocks));
  }

  /** Tokens [B', N, C] through every semantic block; the last block's prior map. */
  #attend(tokens: tf.Tensor3D): { prior: tf.Tensor3D; feature: tf.Tensor3D } {
    const [first, ...rest] = this.classInjection.items;
    return rest.reduce((state, block) => block.forward(state.feature), first!.forward(tokens));
  }

  /** x: [B, H, W, C] -> feature [B, H, W, C] and prior map [B, H, W, K]. */
  forward(x: tf.Tensor4D): { feature: tf.Tensor4D; prior: tf.Tensor4D } {
    const result = tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const normed = this.norm1.forward(x) as tf.Tensor4D;
      const ws = this.windowSize;
      if (ws === null) {
        const { prior, feature } = this.#attend(tf.reshape(normed, [b, h * w, c]));
        return [tf.reshape(feature, [b, h, w, c]), tf.reshape(prior, [b, h, w, this.numClasses])];
      }
      const padded = tf.pad(normed, [[0, 0], [0, (ws - (h % ws)) % ws], [0, (ws - (w % ws)) % ws], [0, 0]]) as tf.Tensor4D;
      const [, hp, wp] = padded.shape;
      const { prior, feature } = this.#attend(windowPartition(padded, ws));
      const crop = (t: tf.Tensor4D) => (hp === h && wp === w ? t : tf.slice(t, [0, 0, 0, 0], [-1, h, w, -1]));
      return [crop(windowReverse(feature, ws, hp, wp)), crop(windowReverse(prior, ws, hp, wp))];
    });
    return { feature: result[0] as tf.Tensor4D, prior: result[1] as tf.Tensor4D };
  }
}

export const SeMaskOptions = defineOptions(
  'SeMaskSwinTransformer',
  "SeMask-Swin: Swin with a semantic layer per stage after its blocks; each stage's class scores are a prior map, an " +
    "extra output (forwardWithPriors) for BranchFPNHead, which `segvit features` writes as sem0.. (official SeMask-FPN names)",
  {
    ...SwinOptions.properties,
    num_cls: option(positiveInt, 150, 'classes of the prior maps (the dataset\'s)'),
    sem_window_size: option(positiveInt, 7, 'window of the windowed semantic layers (12 for Swin-B/L)'),
    num_sem_blocks: option(
      Type.Array(Type.Integer({ minimum: 0 })),
      [1, 1, 1, 1],
      'semantic blocks per stage; 0: no semantic layer',
    ),
    sem_windowed: optional(
      nullable(Type.Array(Type.Boolean())),
      'per stage: windowed (true) or global (false) semantic attention; default: the official rule, global in stages ' +
        '2-3 when embed_dims is 96 or 192 and num_cls > 19',
    ),
  },
);
export type SeMaskOptions = OptionsInput<typeof SeMaskOptions>;

/** The official choice of windowed or global semantic attention per stage. */
export function officialSemWindowed(embedDims: number, numClasses: number, stages: number): boolean[] {
  const large = (embedDims === 96 || embedDims === 192) && numClasses > 19;
  return Array.from({ length: stages }, (_, i) => !large || i < 2);
}

export class SeMaskSwinTransformer extends SwinTransformer {
  readonly numClasses: number;

  constructor(options: SeMaskOptions = {}, ctx?: BuildContext) {
    const { num_cls: numClasses, sem_window_size: semWindow, num_sem_blocks: semBlocks, sem_windowed, ...swin } =
      resolveOptions(SeMaskOptions, options, ctx);
    const stages = swin.depths.length;
    const windowed = sem_windowed ?? officialSemWindowed(swin.embed_dims, numClasses, stages);
    if (semBlocks.length !== stages || windowed.length !== stages) {
      throw new Error(`num_sem_blocks and sem_windowed need one entry per stage (${stages})`);
    }
    super(swin, ctx, (stage, dim) =>
      semBlocks[stage]! > 0 ? new SemanticLayer(dim, numClasses, windowed[stage] ? semWindow : null, semBlocks[stage]) : undefined,
    );
    this.numClasses = numClasses;
  }
}

registries.backbone.register('SeMaskSwinTransformer', {
  schema: SeMaskOptions,
  build: (o, ctx) => applyInitCfg(new SeMaskSwinTransformer(o, ctx), o.init_cfg, ctx),
});
