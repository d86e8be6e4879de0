/**
 * The segvit side of each benchmark case, run in its own process (see run.ts) so that its memory is its own:
 * the same computations as tools/reference/bench_swin.py runs in PyTorch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { memoryMB } from '../../lib/backend.js';
import { SwinTransformer, SWIN_PRESETS } from '../../lib/backbones/swin.js';
import '../../lib/components.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { trainingStepper } from '../../lib/engine/profile.js';
import { registries } from '../../lib/registry.js';
import type { EncoderDecoder3D } from '../../lib/segmentors/encoder-decoder-3d.js';

/** A case ready to run: `run` does the work once and leaves no tensor behind. */
export interface BenchCase {
  run(): void | Promise<void>;
  dispose(): void;
}

export interface CaseResult {
  /** Median wall time of the repeats after one warm-up. */
  ms: number;
  /** wasm: the heap size at the end (it only grows: this process's peak); else tf.profile's peak in one more run. */
  peakMB: number;
  /** Live tensors after the repeats minus before them. */
  leaked: number;
  backend: string;
}

const ADE20K = fileURLToPath(new URL('../../../configs/ade20k.json', import.meta.url));
const DFORMER = fileURLToPath(new URL('../../../configs/dformer/dformer_synapse_64x128x128.json', import.meta.url));
const BRAIN_DFORMER = fileURLToPath(new URL('../../../configs/demo/brain_dformer.json', import.meta.url));

function convWeightGrad(): BenchCase {
  const x = tf.randomNormal([2, 64, 64, 64], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 64, 64], 0, 1, 'float32', 2) as tf.Tensor4D;
  const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')));
  return {
    run: () => tf.tidy(() => void grad(w).dataSync()),
    dispose: () => tf.dispose([x, w]),
  };
}

/** Swin-T (drop path 0.2, the official default) on a random 1 x side x side image, eval mode. */
function swinForward(side: number): BenchCase {
  const model = new SwinTransformer(SWIN_PRESETS['swin-t']).eval();
  const x = tf.randomNormal([1, side, side, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  return {
    run: () => tf.tidy(() => model.forward(x).forEach((o) => o.dataSync())),
    dispose: () => {
      x.dispose();
      model.dispose();
    },
  };
}

/** Swin-T forward and backward on 2 x side x side, train mode; loss = sum of the four outputs' sums. */
function swinTrain(side: number): BenchCase {
  const model = new SwinTransformer(SWIN_PRESETS['swin-t']).train();
  const vars = model.trainableParameters().map(([, v]) => v);
  const x = tf.randomNormal([2, side, side, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  return {
    run: () => {
      const { value, grads } = tf.variableGrads(() => tf.addN(model.forward(x).map((o) => tf.sum(o))) as tf.Scalar, vars);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    },
    dispose: () => {
      x.dispose();
      model.dispose();
    },
  };
}

/**
 * A training step of configs/ade20k.json (Swin-T + UPerNet + FCN auxiliary head, 150 classes, AdamW) as
 * `segvit train` runs it, on one random side x side image.
 */
function upernetTrain(side: number, steps: number): BenchCase {
  const cfgOptions = [
    'model.backbone.init_cfg=null',
    'train_dataloader.batch_size=1',
    `model.data_preprocessor.size=[${side},${side}]`,
    `train_dataloader.dataset.pipeline.3.crop_size=[${side},${side}]`,
  ];
  const stepper = trainingStepper(validateConfig(loadConfig(ADE20K, { cfgOptions })), steps);
  let step = 0;
  return { run: () => void stepper.run(step++), dispose: () => stepper.dispose() };
}

/**
 * A training step of a 3D config as `segvit train` runs it, on random volumes of its RandomCrop3D patch (at index 3 of
 * the pipeline), or of `crop`.
 */
function volumeTrain(config: string, batch: number, steps: number, crop?: number[]): BenchCase {
  const cfgOptions = [`train_dataloader.batch_size=${batch}`, ...(crop ? [`train_dataloader.dataset.pipeline.3.crop_size=[${crop}]`] : [])];
  const stepper = trainingStepper(validateConfig(loadConfig(config, { cfgOptions })), steps);
  let step = 0;
  return { run: () => void stepper.run(step++), dispose: () => stepper.dispose() };
}

/**
 * Inference of one random CT-like volume [1, 96, 256, 256, 1] with the Synapse D-Former as `segvit eval` runs it:
 * nnU-Net's sliding windows of 64×128×128 (2 × 3 × 3 = 18), Gaussian-weighted.
 */
function volumeInference(): BenchCase {
  const cfg = validateConfig(loadConfig(DFORMER));
  const model = registries.segmentor.build(cfg.model!, 'model').eval() as EncoderDecoder3D;
  const volume = tf.randomNormal([1, 96, 256, 256, 1], 0, 1, 'float32', 5) as tf.Tensor5D;
  return {
    run: async () => void (await model.predictVolume(volume)),
    dispose: () => {
      volume.dispose();
      model.dispose();
    },
  };
}

export const CASES: Record<string, (side: number, steps: number) => BenchCase> = {
  conv_wgrad: () => convWeightGrad(),
  swin_fwd_224: () => swinForward(224),
  swin_fwd_512: () => swinForward(512),
  swin_train_224: () => swinTrain(224),
  upernet_train: (side, steps) => upernetTrain(side, steps),
  // side 128: the config's 64x128x128 patch; side s: s/2 x s x s
  dformer_train: (side, steps) => volumeTrain(DFORMER, 1, steps, [side / 2, side, side]),
  dformer_volume: () => volumeInference(),
  dformer_demo_train: (_side, steps) => volumeTrain(BRAIN_DFORMER, 2, steps),
};

/** One warm-up, `repeats` timed runs (median), memory, and the tensor-leak count. */
export async function measure(c: BenchCase, repeats: number): Promise<CaseResult> {
  await c.run();
  const before = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await c.run();
    times.push(performance.now() - start);
  }
  const backend = tf.getBackend();
  const peakMB = backend === 'wasm' ? memoryMB() : (await tf.profile(async () => c.run())).peakBytes / 2 ** 20;
  const leaked = tf.memory().numTensors - before;
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, peakMB, leaked, backend };
}
