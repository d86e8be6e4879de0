/**
 * SeMask-Swin (Semantically Masked Swin, official SeMask-FPN code): the Swin segmentation backbone with one semantic
 * layer per stage after its blocks (before patch merging). The semantic layer normalises the stage's tokens, then
 * semantic attention (single head, no 1/√d scaling) mixes them through class scores; its output replaces the stage
 * feature, and the class scores (pre-softmax, `mlp_cls_q`) are the stage's semantic prior map.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, LayerNorm, Linear, Module, ModuleList } from '../nn/index.js';
import { windowPartition, windowReverse } from '../nn/window.js';
import { SwinTransformer, type StageRefiner, type SwinOptions } from './swin.js';

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

export interface SeMaskOptions extends Omit<SwinOptions, 'stageRefiner'> {
  /** Classes of the prior maps (the dataset's). Default 150. */
  numClasses?: number;
  /** Window of the windowed semantic layers. Default 7 (12 for Swin-B/L). */
  semWindowSize?: number;
  /** Semantic blocks per stage; 0 = no semantic layer. Default 1 everywhere. */
  numSemBlocks?: number[];
  /**
   * Per stage: windowed (true) or global (false) semantic attention. Default: the official rule, global in
   * stages 2 and 3 when embed_dims is 96 or 192 and there are more than 19 classes, windowed otherwise.
   */
  semWindowed?: boolean[];
}

/** The official choice of windowed or global semantic attention per stage. */
export function officialSemWindowed(embedDims: number, numClasses: number, stages: number): boolean[] {
  const large = (embedDims === 96 || embedDims === 192) && numClasses > 19;
  return Array.from({ length: stages }, (_, i) => !large || i < 2);
}

export class SeMaskSwinTransformer extends SwinTransformer {
  readonly numClasses: number;

  constructor(options: SeMaskOptions = {}) {
    const depths = options.depths ?? [2, 2, 6, 2];
    const numClasses = options.numClasses ?? 150;
    const semBlocks = options.numSemBlocks ?? depths.map(() => 1);
    const windowed = options.semWindowed ?? officialSemWindowed(options.embedDims ?? 96, numClasses, depths.length);
    if (semBlocks.length !== depths.length || windowed.length !== depths.length) {
      throw new Error(`num_sem_blocks and sem_windowed need one entry per stage (${depths.length})`);
    }
    const semWindow = options.semWindowSize ?? 7;
    super({
      ...options,
      stageRefiner: (stage, dim) =>
        semBlocks[stage]! > 0 ? new SemanticLayer(dim, numClasses, windowed[stage] ? semWindow : null, semBlocks[stage]) : undefined,
    });
    this.numClasses = numClasses;
  }
}
