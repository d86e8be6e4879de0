/**
 * EncoderDecoder3D, the Segmentor of task 'segmentation3d': a volumetric backbone (DFormer) and head (DFormerHead) on
 * volumes [B, D, H, W, C] normalised by the pipeline. `predict` runs the whole volume; `predictVolume` follows
 * test_cfg: the whole volume, or nnU-Net's sliding window (lib/engine/sliding-window.ts) with Gaussian weights and
 * optional mirroring. State names `backbone.*`, `decode_head.*`; an official D-Former SegNetwork state dict
 * (`model_down.*`, `final.*`) loads by name.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { Module } from '../nn/index.js';
import { choice, component, defineOptions, option, optional, required, type OptionsInput } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { probability, sizeTriple } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import { renameKeys, type CheckpointAdapter } from '../weights/adapt.js';
import { mirrored, slidingWindowPredict } from '../engine/sliding-window.js';
import { SegDataPreProcessor } from './data-preprocessor.js';
import { volumePart, withPrefix, type Segmentor, type Targets, type VolumeBackbone, type VolumeHead } from './types.js';

type Triple = [number, number, number];

export const EncoderDecoder3DOptions = defineOptions(
  'EncoderDecoder3D',
  'a volumetric backbone -> decode_head on volumes [B, D, H, W, C]; whole-volume or sliding-window inference',
  {
    backbone: required(component('backbone'), 'the volume encoder-decoder (DFormer)'),
    decode_head: required(component('head'), 'the volumetric head (DFormerHead)'),
    train_cfg: option(Type.Object({}, { additionalProperties: false }), {}, "mmseg's train_cfg: accepted, empty"),
    test_cfg: option(
      Type.Object(
        {
          mode: option(choice(['whole', 'slide']), 'whole', 'whole: one pass over the volume; slide: windows of the patch size'),
          patch_size: optional(sizeTriple, 'slide: [d, h, w] of a window (the training crop); volumes smaller than it are padded'),
          step_size: option(probability, 0.5, 'slide: window step as a fraction of the patch (nnU-Net: 0.5)'),
          gaussian: option(Type.Boolean(), true, 'slide: weight each window by a Gaussian (σ = patch/8); false: uniformly'),
          mirror: option(Type.Boolean(), false, 'also average the 7 mirrored windows (flips of D, H, W), as nnU-Net'),
        },
        { additionalProperties: false },
      ),
      { mode: 'whole', step_size: 0.5, gaussian: true, mirror: false },
      "inference: {mode: 'whole'}, or {mode: 'slide', patch_size, step_size, gaussian, mirror}",
    ),
  },
);
export type EncoderDecoder3DOptions = OptionsInput<typeof EncoderDecoder3DOptions>;
type TestCfg3D = { mode: 'whole' | 'slide'; patch_size?: Triple; step_size: number; gaussian: boolean; mirror: boolean };

/** An official D-Former SegNetwork state dict (`model_down.*`, `final.*`) as this segmentor's keys. */
const fromSegNetwork: CheckpointAdapter = {
  adapt: (state) => renameKeys(state, [
    [/^model_down\./, 'backbone.'],
    [/^final\./, 'decode_head.final.'],
  ]),
};

export class EncoderDecoder3D extends Module implements Segmentor {
  static override readonly checkpointAdapter = fromSegNetwork;

  readonly task = 'segmentation3d';
  readonly backbone: VolumeBackbone;
  readonly decodeHead: VolumeHead;
  /** Volumes come normalised from the pipeline (ZScoreNormalize, IntensityWindow): nothing to do here. */
  readonly dataPreprocessor = new SegDataPreProcessor({});
  readonly testCfg: TestCfg3D;

  constructor(options: EncoderDecoder3DOptions, ctx?: BuildContext) {
    super();
    const o = resolveOptions(EncoderDecoder3DOptions, options, ctx);
    const test = o.test_cfg as TestCfg3D;
    if (test.mode === 'slide' && !test.patch_size) {
      throw new Error(`${ctx?.path ?? 'EncoderDecoder3D'}.test_cfg: slide mode needs patch_size [d, h, w] (the training crop)`);
    }
    this.testCfg = test;
    const path = ctx?.path ?? 'EncoderDecoder3D';
    this.backbone = this.addModule('backbone', volumePart<VolumeBackbone>(o.backbone, `${path}.backbone`));
    this.decodeHead = this.addModule('decode_head', volumePart<VolumeHead>(o.decode_head, `${path}.decode_head`));
  }

  /** Logits [B, D, H, W, K] of volumes [B, D, H, W, C], cropped to the input (the patch embedding pads). */
  encodeDecode(img: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => {
      const logits = this.decodeHead.forward(this.backbone.forward(img));
      const [b, d, h, w] = img.shape;
      return tf.slice(logits, [0, 0, 0, 0, 0], [b, d, h, w, -1]);
    });
  }

  /** Test-mode logits of the whole volume [B, D, H, W, C] in one pass. */
  predict(img: tf.Tensor5D): tf.Tensor5D {
    this.#checkVolume(img);
    return this.encodeDecode(img);
  }

  /**
   * Logits [D, H, W, K] of one volume [1, D, H, W, C] as test_cfg says: one pass, or sliding windows (memory bounded by
   * the patch), mirrored too when test_cfg or `o.mirror` says so; `o.progress` is called after each window.
   */
  async predictVolume(volume: tf.Tensor5D, o: { mirror?: boolean; progress?: (done: number, total: number) => void } = {}) {
    this.#checkVolume(volume);
    const cfg = this.testCfg;
    const mirror = cfg.mirror || o.mirror === true;
    if (cfg.mode === 'whole') {
      const logits = tf.tidy(() => (mirror ? mirrored((x) => this.encodeDecode(x), volume) : this.encodeDecode(volume)));
      const [, d, h, w, k] = logits.shape;
      const data = (await logits.data()) as Float32Array;
      logits.dispose();
      return { logits: data, shape: [d, h, w, k] as [number, number, number, number] };
    }
    return slidingWindowPredict(volume, (window) => this.encodeDecode(window), {
      patch: cfg.patch_size!, stepSize: cfg.step_size, gaussian: cfg.gaussian, mirror, progress: o.progress,
    });
  }

  /** Training losses `decode.*` against `targets.labelVolume` [B, D, H, W]. */
  loss(img: tf.Tensor5D, targets: Targets): Record<string, tf.Scalar> {
    this.#checkVolume(img);
    return withPrefix('decode', this.decodeHead.loss(this.backbone.forward(img), targets));
  }

  #checkVolume(img: tf.Tensor): void {
    if (img.rank !== 5) {
      throw new Error(
        `EncoderDecoder3D takes volumes [B, D, H, W, C], got [${img.shape}]: load volumes with LoadBiomedicalImageFromFile ` +
          '(a 2D model takes images)',
      );
    }
  }
}

registries.segmentor.register('EncoderDecoder3D', {
  schema: EncoderDecoder3DOptions,
  build: (o, ctx) => new EncoderDecoder3D(o, ctx),
});
