/**
 * Profiling training as a user would run it (`segvit profile`): the config's model, optimizer and schedule built
 * as `train` builds them, real training steps (forward, backward, optimizer update) on random data of the
 * training input size, wall time per step, memory, and the time of each tfjs kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ComponentConfig, SegvitConfig } from '../config/types.js';
import { isWasmFailure, memoryMB, wasmHeapUsage } from '../backend.js';
import { memorySavers, outOfMemory } from './out-of-memory.js';
import { rng } from '../random.js';
import type { ModelInput, Targets } from '../segmentors/types.js';
import { profileKernels, type KernelTime } from './kernel-times.js';
import { buildTraining, trainStep, type TrainingParts } from './trainer.js';

/** The shape of a training batch, and the config key it comes from. */
export interface ProfileInput {
  batch: number;
  /** [h, w] of each image, or [d, h, w] of each volume. */
  crop: number[];
  /** The config key `crop` was read from. */
  cropFrom: string;
}

function size(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && (value.length === 2 || value.length === 3) && value.every((v) => typeof v === 'number')) return value;
  return undefined;
}

/**
 * The training batch of `cfg`: `train_dataloader.batch_size` images of the train pipeline's RandomCrop crop_size
 * (volumes of its RandomCrop3D crop_size), else `model.data_preprocessor.size`, else the dataset's `img_size` (the
 * generated datasets).
 */
export function profileInput(cfg: SegvitConfig): ProfileInput {
  const loader = cfg.train_dataloader;
  if (!loader) {
    throw new Error('the config has no train_dataloader; profile takes the batch size and crop from it (use a full training config)');
  }
  const dataset = loader.dataset as ComponentConfig & { pipeline?: ComponentConfig[]; img_size?: unknown };
  const pipeline = dataset.pipeline ?? [];
  const cropIndex = pipeline.findIndex((t) => t.type === 'RandomCrop' || t.type === 'RandomCrop3D');
  const candidates: [string, unknown][] = [
    [`train_dataloader.dataset.pipeline[${cropIndex}].crop_size`, pipeline[cropIndex]?.crop_size],
    ['model.data_preprocessor.size', (cfg.model?.data_preprocessor as { size?: unknown } | undefined)?.size],
    ['train_dataloader.dataset.img_size', dataset.img_size],
  ];
  for (const [key, value] of candidates) {
    const crop = size(value);
    if (crop) return { batch: loader.batch_size, crop, cropFrom: key };
  }
  throw new Error(
    'no training input size in the config: add a RandomCrop to train_dataloader.dataset.pipeline or set ' +
      'model.data_preprocessor.size, e.g. --cfg-options model.data_preprocessor.size=[512,512]',
  );
}

/** Random raw images (0..255, as the loader gives them) or volumes, and the task's random ground truth. */
function randomBatch(parts: TrainingParts, input: ProfileInput, channels: number): { images: ModelInput; targets: Targets } {
  const shape = [input.batch, ...input.crop, channels] as [number, number, number, number];
  const images = tf.randomUniform(shape, 0, 255, 'float32', rng.seed()) as ModelInput;
  return { images, targets: parts.task.randomTargets([input.batch, ...input.crop]) };
}

export interface StepReport {
  /** 0 is the warm-up; 1..iters are timed; iters + 1 runs under tf.profile. */
  step: number;
  seconds: number;
  loss: number;
}

export interface ProfileOptions {
  /** Timed steps after the warm-up. */
  iters: number;
  onStep?: (report: StepReport) => void;
}

export interface ProfileResult extends ProfileInput {
  iters: number;
  /** Mean wall time of the timed steps. */
  secondsPerIter: number;
  /** The wasm heap size on wasm (it only grows: the peak), else tf.profile's peak of tensor bytes. */
  peakMB: number;
  /** On wasm: the peak of live tensor bytes on the heap during the timed steps (free blocks not counted). */
  livePeakMB?: number;
  /**
   * Own time of each kernel in one more step run under tf.profile, largest first. Per-kernel timing slows a step
   * (by about 40% for the Swin demo on wasm), so that step is not one of the timed ones.
   */
  kernels: KernelTime[];
  /** Wall time of the profiled step. */
  profiledSeconds: number;
  parameters: number;
}

/** Real training steps of a config's model on one random batch (`segvit profile`, `npm run bench`). */
export interface TrainingStepper {
  readonly input: ProfileInput;
  /** Number of trainable parameter values. */
  readonly parameters: number;
  /** One training step: forward, backward, optimizer update at iteration `step`'s learning rate. */
  run(step: number): StepReport;
  dispose(): void;
}

/** Build `cfg`'s model, optimizer and schedule as training does, with a random batch of its training input size. */
export function trainingStepper(cfg: SegvitConfig, totalSteps: number): TrainingStepper {
  const input = profileInput(cfg);
  const parts = buildTraining(cfg);
  const { task, wrapper, schedule } = parts;
  const params = task.model.trainableParameters();
  const channels = (cfg.model?.backbone as { in_channels?: number } | undefined)?.in_channels ?? 3;
  const { images, targets } = randomBatch(parts, input, channels);
  task.model.train();
  wrapper.initializeCountStatus(0, totalSteps);
  return {
    input,
    parameters: params.reduce((n, [, v]) => n + v.size, 0),
    run(step) {
      const start = performance.now();
      try {
        const { loss, grads } = trainStep(task.model, params, images, targets);
        wrapper.updateParams(grads, schedule.lrAt(step));
        tf.dispose(Object.values(grads));
        return { step, seconds: (performance.now() - start) / 1000, loss };
      } catch (err) {
        if (!isWasmFailure(err)) throw err;
        const lower = `Lower train_dataloader.batch_size (${input.batch}) or the crop (${input.cropFrom}: [${input.crop}])`;
        throw outOfMemory(err as Error, lower, memorySavers(task.model, cfg.model?.backbone as ComponentConfig | undefined));
      }
    },
    dispose() {
      tf.dispose([images, targets]);
      wrapper.dispose();
      wrapper.optimizer.dispose();
      task.model.dispose();
    },
  };
}

/**
 * Build `cfg`'s model as training does, run one warm-up step, time `iters` steps, then run one more under
 * tf.profile for the kernel times.
 */
export async function profileTraining(cfg: SegvitConfig, options: ProfileOptions): Promise<ProfileResult> {
  const usage = wasmHeapUsage();
  const stepper = trainingStepper(cfg, options.iters + 2);
  const run = (step: number): StepReport => {
    const report = stepper.run(step);
    options.onStep?.(report);
    return report;
  };
  try {
    run(0);
    usage?.resetPeak(); // the optimizer state exists from here on, as in training
    const timed = Array.from({ length: options.iters }, (_, i) => run(i + 1));
    const livePeakMB = usage?.peakMB();
    const profiled = await profileKernels(async () => run(options.iters + 1));
    const onWasm = tf.getBackend() === 'wasm';
    return {
      ...stepper.input,
      iters: options.iters,
      secondsPerIter: timed.reduce((sum, r) => sum + r.seconds, 0) / options.iters,
      peakMB: onWasm ? memoryMB() : profiled.peakBytes / 2 ** 20,
      livePeakMB,
      kernels: profiled.kernels,
      profiledSeconds: profiled.result.seconds,
      parameters: stepper.parameters,
    };
  } finally {
    stepper.dispose();
  }
}
