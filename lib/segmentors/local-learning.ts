/**
 * Local (module-wise) learning: the backbone trains as K modules, one after another, each on its own loss
 * (Pathak et al., "Local Learning on Transformers via Feature Reconstruction"; InfoPro, Wang et al. ICLR 2021).
 * Module k < K runs the backbone between two cuts on the previous module's output, taken as a constant, and learns
 * from λ1 · reconstruction (of its input features, or of the image) + λ2 · cross-entropy of a light FCN head on its
 * output. The last module trains with the segmentor's own heads, which take the earlier outputs as constants. Each
 * module's backward runs before the next module's forward, so memory holds one module's activations at a time; the
 * gradients of all modules go into one optimizer step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { choice, nullable, option, optional, type ResolvedOptions } from '../config/declare.js';
import { nonNegative, pairOf, positiveInt, probability } from '../config/schema-parts.js';
import { Conv2d, Module, ModuleList, add, interpolate, view } from '../nn/index.js';
import { ConvModule } from '../nn/conv-module.js';
import type { BuildContext } from '../registry.js';
import type { DataPreprocessorOptions } from './data-preprocessor.js';
import { totalLoss } from './total-loss.js';
import { withPrefix, type Backbone, type CutSegment, type DecodeHead, type ForwardCuts, type Targets } from './types.js';

export const LocalLearningOptions = Type.Object(
  {
    num_modules: option(positiveInt, 1, '1: end to end; K: the backbone trains as K modules, one after another'),
    split: optional(
      Type.Array(Type.String({ minLength: 1 })),
      "the K-1 cuts between modules, named by the backbone module they follow (Swin: 'layers.1' after stage 1 and " +
        "its merging, 'layers.2.blocks.3'); default: between stages (K=4: one module per stage, K=2: {0, 1} | {2, 3})",
    ),
    reconstruction: option(
      choice(['feature', 'image', 'none']),
      'feature',
      "feature: each module reconstructs its input (the seed paper); image: the image (InfoPro); none: greedy supervised",
    ),
    recon_loss: option(choice(['l1', 'mse']), 'l1', 'criterion of feature reconstruction (image reconstruction is BCE)'),
    decoder_channels: optional(
      positiveInt,
      "hidden width of the reconstruction decoder (upsample, Conv3×3 + BN + ReLU, Conv3×3); default: the target's " +
        'channels, 12 for the image (InfoPro)',
    ),
    aux_head: option(
      nullable(
        Type.Object(
          {
            channels: option(positiveInt, 64, 'width of its Conv3×3 + BN + ReLU layers'),
            num_convs: option(positiveInt, 1, 'its Conv3×3 + BN + ReLU layers before conv_seg'),
            dropout_ratio: option(probability, 0.1, 'Dropout2d before conv_seg'),
          },
          { additionalProperties: false },
        ),
      ),
      { channels: 64, num_convs: 1, dropout_ratio: 0.1 },
      "a light FCNHead on each local module's output, cross-entropy on the labels; null: none",
    ),
    lambda_recon: option(
      pairOf(nonNegative),
      [1, 1],
      "λ1 of the first and of the last local module, linear in between (InfoPro's ixx_1, ixx_2)",
    ),
    lambda_aux: option(pairOf(nonNegative), [1, 1], "λ2 of the first and of the last local module (InfoPro's ixy_1, ixy_2)"),
  },
  { additionalProperties: false },
);
export type LocalLearningConfig = ResolvedOptions<typeof LocalLearningOptions>;

/**
 * InfoPro's decoder: upsample to the target's size (bilinear, align_corners), Conv3×3 + BN + ReLU, Conv3×3.
 *
 * Where the first conv narrows the channels a lot (module 0 rebuilding the image: 192 channels in, 3 out), it runs
 * in an exact equivalent form that keeps the full-resolution tensors narrow. A 3×3 conv of an upsampled map is the
 * sum over its 9 taps of the shifted map times that tap's weights; bilinear resizing and a product over channels are
 * both linear, so upsampling x and then multiplying equals multiplying first (zero padding stays zero). Each tap's
 * product then happens at the input's resolution, and only 9·out channels are upsampled; a fixed one-hot 3×3 conv
 * sums the shifted taps. The same function and gradients, at 27 full-resolution channels instead of 192.
 */
export class ReconstructionDecoder extends Module {
  readonly conv1: ConvModule;
  readonly conv2: Conv2d;
  /** [3, 3, 9·hidden, hidden]: tap t's block of channels to the output, at tap t; set when the narrow form runs. */
  readonly #tapSum?: tf.Tensor4D;

  constructor(inChannels: number, hidden: number, outChannels: number) {
    super();
    this.conv1 = this.addModule('conv1', new ConvModule(inChannels, hidden, 3, { padding: 1, normCfg: { type: 'BN' } }));
    this.conv2 = this.addModule('conv2', new Conv2d(hidden, outChannels, 3, { padding: 1 }));
    if (9 * hidden < inChannels) this.#tapSum = this.addConstant(tapSum(3, hidden));
  }

  /** [B, h, w, C] -> [B, size[0], size[1], out] */
  forward(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
    return tf.tidy(() => {
      const upsample = (t: tf.Tensor4D) => interpolate(t, { size, mode: 'bilinear', alignCorners: true });
      let hidden: tf.Tensor;
      if (this.#tapSum) {
        const { conv } = this.conv1;
        const [b, h, w, c] = x.shape;
        // [3, 3, C, hidden] -> [C, 9·hidden]: every tap's weights side by side
        const taps = tf.reshape(tf.transpose(conv.weight, [2, 0, 1, 3]), [c, 9 * conv.outChannels]);
        const perTap = view<tf.Tensor4D>(tf.matMul(view(x, [b * h * w, c]), taps), [b, h, w, 9 * conv.outChannels]);
        const summed = tf.conv2d(upsample(perTap), this.#tapSum, 1, 'same');
        hidden = this.conv1.normActivate(conv.bias ? add(summed, conv.bias) : summed);
      } else {
        hidden = this.conv1.forward(upsample(x));
      }
      return this.conv2.forward(hidden) as tf.Tensor4D;
    });
  }
}

/** The one-hot k×k kernel [k, k, k²·c, c] that, at tap t = i·k + j, passes channel t·c + o to output o. */
function tapSum(k: number, c: number): tf.Tensor4D {
  const values = new Float32Array(k * k * k * k * c * c);
  for (let t = 0; t < k * k; t++) for (let o = 0; o < c; o++) values[(t * k * k * c + t * c + o) * c + o] = 1;
  return tf.tensor4d(values, [k, k, k * k * c, c]);
}

/** The segmentor's own losses on the backbone's outputs (neck and heads): what the last module trains with. */
export type HeadLosses = (outs: tf.Tensor4D[], priors: tf.Tensor4D[], targets: Targets) => Record<string, tf.Scalar>;

/** What local learning takes from its segmentor. */
export interface LocalLearningParts {
  backbone: Backbone;
  numClasses: number;
  alignCorners: boolean;
  ignoreIndex: number;
  preprocessor: Pick<DataPreprocessorOptions, 'mean' | 'std'>;
  headLosses: HeadLosses;
}

/** Loss terms and the gradients of their total by variable name. */
export interface Gradients {
  terms: Record<string, tf.Scalar>;
  grads: tf.NamedTensorMap;
}

/** The cut indices of `o.split`, or the default cuts between stages, checked against the backbone's cuts. */
function splitCuts(o: LocalLearningConfig, cuts: ForwardCuts, backbone: string, path: string): number[] {
  const k = o.num_modules;
  const known = cuts.names;
  if (k - 1 > known.length) {
    throw new Error(`${path}.num_modules: ${k} modules need ${k - 1} cuts, but ${backbone} has ${known.length} (${known.join(', ')})`);
  }
  const stages = cuts.stageCuts.length + 1;
  if (o.split === undefined && k > stages) {
    throw new Error(
      `${path}.split: ${k} modules are more than ${backbone}'s ${stages} stages; give the ${k - 1} cuts, e.g. ` +
        `split=${JSON.stringify(known.slice(0, k - 1))} (cuts: ${known.join(', ')})`,
    );
  }
  const split = o.split ?? Array.from({ length: k - 1 }, (_, i) => cuts.stageCuts[Math.round(((i + 1) * stages) / k) - 1]);
  if (split.length !== k - 1) throw new Error(`${path}.split: ${split.length} cuts given for ${k} modules; give ${k - 1}`);
  const at = split.map((name) => {
    const i = known.indexOf(name);
    if (i < 0) throw new Error(`${path}.split: '${name}' is not a cut of ${backbone}; its cuts are ${known.join(', ')}`);
    return i;
  });
  const unordered = at.findIndex((c, i) => i > 0 && c <= at[i - 1]);
  if (unordered > 0) throw new Error(`${path}.split: '${split[unordered]}' does not come after '${split[unordered - 1]}'; list the cuts in forward order`);
  return at;
}

/** Mean absolute or squared error. */
function featureLoss(pred: tf.Tensor, target: tf.Tensor, kind: 'l1' | 'mse'): tf.Scalar {
  const d = tf.sub(pred, target);
  return tf.mean(kind === 'l1' ? tf.abs(d) : tf.square(d));
}

/** Binary cross-entropy of sigmoid(logits) against targets in [0, 1], in the stable form. */
function bceWithLogits(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

export class LocalLearning extends Module {
  /** Cut indices between modules: module k runs from cut `bounds[k]` to `bounds[k + 1]` (-1: the image; last: the end). */
  readonly bounds: number[];
  readonly recon: ReconstructionDecoder[];
  readonly auxHeads: DecodeHead[];
  /** λ1 and λ2 of each local module (all but the last). */
  readonly weights: { recon: number; aux: number }[];
  readonly #cuts: ForwardCuts;

  constructor(
    readonly options: LocalLearningConfig,
    readonly parts: LocalLearningParts,
    ctx: BuildContext,
  ) {
    super();
    const { backbone } = parts;
    const name = backbone.constructor.name;
    if (!backbone.cuts) {
      throw new Error(
        `${ctx.path}: ${name} declares no module boundaries, so it cannot train module-wise; use SwinTransformer, ` +
          'SeMaskSwinTransformer, PyramidGroupTransformer or a plain VisionTransformer, or remove local_learning',
      );
    }
    this.#cuts = backbone.cuts;
    const o = options;
    this.bounds = [-1, ...splitCuts(o, backbone.cuts, name, ctx.path), backbone.cuts.names.length];
    const local = o.num_modules - 1;
    if (o.reconstruction === 'none' && o.aux_head === null) {
      throw new Error(`${ctx.path}: reconstruction 'none' and aux_head null leave the local modules without a loss; set one`);
    }
    const lerp = ([a, b]: [number, number], i: number) => {
      const r = local > 1 ? i / (local - 1) : 0;
      return a * (1 - r) + b * r;
    };
    this.weights = Array.from({ length: local }, (_, i) => ({ recon: lerp(o.lambda_recon, i), aux: lerp(o.lambda_aux, i) }));
    const cuts = backbone.cuts;
    const recon = o.reconstruction === 'none' ? [] : this.weights.map((_, i) => {
      const target = o.reconstruction === 'image' ? 3 : cuts.channels(this.bounds[i]);
      const hidden = o.decoder_channels ?? (o.reconstruction === 'image' ? 12 : target);
      return new ReconstructionDecoder(cuts.channels(this.bounds[i + 1]), hidden, target);
    });
    this.recon = this.addModule('recon', new ModuleList(recon)).items;
    const aux = o.aux_head === null ? [] : this.weights.map((w, i) =>
      ctx.registries.head.build(
        {
          type: 'FCNHead',
          in_channels: cuts.featureChannels(this.bounds[i + 1]),
          channels: o.aux_head!.channels,
          num_convs: o.aux_head!.num_convs,
          dropout_ratio: o.aux_head!.dropout_ratio,
          concat_input: false,
          num_classes: parts.numClasses,
          norm_cfg: { type: 'BN' },
          align_corners: parts.alignCorners,
          ignore_index: parts.ignoreIndex,
          loss_decode: { type: 'CrossEntropyLoss', loss_weight: w.aux },
        },
        `${ctx.path}.aux_head`,
      ),
    );
    this.auxHeads = this.addModule('aux_head', new ModuleList(aux)).items;
  }

  get numModules(): number {
    return this.bounds.length - 1;
  }

  /**
   * The loss terms of normalised images [B, H, W, C] and the gradients of their total with respect to `vars`, module
   * by module: `module{k}.loss_recon` and `module{k}.aux.*` for the local modules, the segmentor's own terms for
   * the last one.
   */
  gradients(img: tf.Tensor4D, targets: Targets, vars: tf.Variable[]): Gradients {
    const terms: Record<string, tf.Scalar> = {};
    const grads: tf.NamedTensorMap = {};
    const made: Pick<CutSegment, 'outs' | 'priors'> = { outs: [], priors: [] };
    let carry: tf.Tensor[] = [img];
    try {
      for (let k = 0; k < this.numModules; k++) {
        let segment: CutSegment | undefined;
        const step = tf.variableGrads(() => {
          segment = this.#cuts.run(carry, this.bounds[k], this.bounds[k + 1]);
          const moduleTerms = k === this.numModules - 1
            ? this.parts.headLosses([...made.outs, ...segment.outs], [...made.priors, ...segment.priors], targets)
            : this.#localLosses(k, carry[0] as tf.Tensor4D, segment, img, targets);
          for (const t of [...segment.carry, ...segment.outs, ...segment.priors]) tf.keep(t);
          for (const [key, t] of Object.entries(moduleTerms)) terms[key] = tf.keep(t);
          return totalLoss(moduleTerms);
        }, vars);
        step.value.dispose();
        for (const [name, g] of Object.entries(step.grads)) {
          const earlier = grads[name];
          grads[name] = earlier ? tf.add(earlier, g) : g;
          if (earlier) tf.dispose([earlier, g]);
        }
        if (k > 0) tf.dispose(carry);
        carry = segment!.carry;
        made.outs.push(...segment!.outs);
        made.priors.push(...segment!.priors);
      }
    } finally {
      if (carry[0] !== img) tf.dispose(carry);
      tf.dispose([...made.outs, ...made.priors]);
    }
    return { terms, grads };
  }

  /**
   * Module k's local terms: λ1 · reconstruction of its input (or the image) from its output map, and the CE of its
   * aux head on its feature (its stage output, so the stage's output norm trains too).
   */
  #localLosses(k: number, input: tf.Tensor4D, segment: CutSegment, img: tf.Tensor4D, targets: Targets): Record<string, tf.Scalar> {
    const output = segment.carry[0] as tf.Tensor4D;
    const terms: Record<string, tf.Scalar> = {};
    const { reconstruction, recon_loss: reconLoss } = this.options;
    if (reconstruction !== 'none' && this.weights[k].recon > 0) {
      const target = reconstruction === 'image' ? this.#image01(img) : input;
      const pred = this.recon[k].forward(output, [target.shape[1], target.shape[2]]);
      const loss = reconstruction === 'image' ? bceWithLogits(pred, target) : featureLoss(pred, target, reconLoss);
      terms.loss_recon = tf.mul(loss, this.weights[k].recon);
    }
    const aux = this.auxHeads[k];
    const auxTerms = aux && this.weights[k].aux > 0 ? withPrefix('aux', aux.loss([segment.feature!], targets)) : {};
    return withPrefix(`module${k}`, { ...terms, ...auxTerms });
  }

  /** The normalised images taken back to [0, 1] (InfoPro's BCE target). */
  #image01(img: tf.Tensor4D): tf.Tensor4D {
    const { mean, std } = this.parts.preprocessor;
    const raw = mean && std ? tf.add(tf.mul(img, std), mean) : img;
    return tf.clipByValue(tf.div(raw, 255), 0, 1) as tf.Tensor4D;
  }
}
