/**
 * The iteration-based training loop (mmengine's IterBasedTrainLoop with its default hooks): AdamW/SGD with
 * paramwise groups, LR schedule, gradient accumulation and clipping, validation every `val_interval`, atomic
 * checkpoints every `checkpoint.interval` (plus `latest` and `best`), exact resume, a NaN/Inf guard, Ctrl-C saving.
 * Segmentors and depth estimators train through the same loop; their differences are in tasks.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataLoader } from '../../datasets/loader.js';
import type { ComponentConfig, DataLoaderConfig, SegvitConfig } from '../config/types.js';
import { registries } from '../registry.js';
import { isWasmFailure, memoryMB } from '../backend.js';
import { memorySavers, outOfMemory } from './out-of-memory.js';
import { rng, manualSeed } from '../random.js';
import { totalLoss } from '../segmentors/encoder-decoder.js';
import type { ModelInput, Segmentor, Targets } from '../segmentors/types.js';
import { formatLoadReport, loadStateDict, loadWeights } from '../weights/node.js';
import { buildOptimWrapper } from './optim/build.js';
import type { OptimWrapper } from './optim/optim-wrapper.js';
import { buildLrSchedule, type LrSchedule } from './schedulers/index.js';
import { checkpointDir, findLatest, loadCheckpoint, markBest, saveCheckpoint, type BestRecord } from './checkpoint.js';
import { taskOf, type Evaluation, type Evaluator, type Task } from './tasks/index.js';
import { TrainLogger } from './logger.js';

export interface TrainOptions {
  workDir: string;
  /** Resume from this checkpoint directory, or from the work dir's latest when true. */
  resume?: string | true;
  /** Initialise the model from these weights (not the optimizer or iteration). */
  loadFrom?: string | null;
  /** Draw a progress bar (default: when stderr is a terminal). */
  tty?: boolean;
}

export interface TrainResult {
  iterations: number;
  best: BestRecord | null;
  lastValidation: Evaluation | null;
  seconds: number;
  /** Set when Ctrl-C stopped the run (after saving). */
  interrupted: boolean;
}

function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new Error(`the config has no ${key}; training needs it`);
  return value;
}

function loaderFor(cfg: DataLoaderConfig, seed: number, shuffle: boolean): Promise<DataLoader> {
  return DataLoader.create({
    datasetConfig: cfg.dataset,
    batchSize: cfg.batch_size,
    shuffle: cfg.shuffle ?? shuffle,
    seed,
    numWorkers: cfg.num_workers,
  });
}

/** Average of each named value over the records of a logging interval. */
class Averages {
  #sums = new Map<string, number>();
  #count = 0;

  add(values: Record<string, number>): void {
    for (const [k, v] of Object.entries(values)) this.#sums.set(k, (this.#sums.get(k) ?? 0) + v);
    this.#count++;
  }

  take(): Record<string, number> {
    const out = Object.fromEntries([...this.#sums].map(([k, v]) => [k, v / Math.max(this.#count, 1)]));
    this.#sums.clear();
    this.#count = 0;
    return out;
  }
}

/** Raw images [B, H, W, C] and their targets, preprocessed as for training (volumes come normalised from the pipeline). */
function prepared(model: Segmentor, images: ModelInput, targets: Targets): { images: ModelInput; targets: Targets } {
  return images.rank === 5 ? { images, targets } : model.dataPreprocessor.forward(images as tf.Tensor4D, targets, true);
}

/** Loss terms of raw images [B, H, W, C] (or volumes [B, D, H, W, C]) and their targets, preprocessed as for training. */
export function trainingLosses(model: Segmentor, images: ModelInput, targets: Targets): Record<string, tf.Scalar> {
  const inputs = prepared(model, images, targets);
  return model.loss(inputs.images, inputs.targets);
}

/** The loss terms and the gradients of their total by variable name: one tape over the model, or module by module. */
function lossGradients(model: Segmentor, images: ModelInput, targets: Targets, vars: tf.Variable[]) {
  const inputs = tf.tidy(() => prepared(model, images, targets)); // no variables: outside the tape
  try {
    if (model.localLearning) return model.localLearning.gradients(inputs.images as tf.Tensor4D, inputs.targets, vars);
    let terms: Record<string, tf.Scalar> = {};
    const { value, grads } = tf.variableGrads(() => {
      terms = model.loss(inputs.images, inputs.targets);
      for (const t of Object.values(terms)) tf.keep(t);
      return totalLoss(terms);
    }, vars);
    value.dispose();
    return { terms, grads };
  } finally {
    const given = new Set([images, ...Object.values(targets)]);
    tf.dispose([inputs.images, ...Object.values(inputs.targets)].filter((t) => t instanceof tf.Tensor && !given.has(t)) as tf.Tensor[]);
  }
}

/**
 * One forward/backward on a batch: the loss terms (numbers) and the gradients of the total loss, keyed by
 * parameter name (tfjs keys them by its own variable names). `segvit profile` times this same step.
 */
export function trainStep(model: Segmentor, params: [string, tf.Variable][], images: ModelInput, targets: Targets) {
  const { terms, grads: byVariable } = lossGradients(model, images, targets, params.map(([, v]) => v));
  const grads: Record<string, tf.Tensor> = {};
  for (const [name, v] of params) if (byVariable[v.name]) grads[name] = byVariable[v.name];
  const values = Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, t.dataSync()[0]]));
  const loss = tf.tidy(() => totalLoss(terms).dataSync()[0]);
  tf.dispose(Object.values(terms));
  // NaN inputs were seen to leave the loss finite on wasm (some kernel drops them) while the gradients carry NaN: check both
  const gradSquares = sumOfSquares(Object.values(grads));
  return { loss, values, grads, finite: Number.isFinite(loss) && Number.isFinite(gradSquares) };
}

/** Σ g² over all the gradients, one gradient's square at a time (all at once would double the gradients' memory). */
function sumOfSquares(grads: tf.Tensor[]): number {
  return tf.tidy(() => tf.addN(grads.map((g) => tf.tidy(() => tf.sum(tf.square(g))))).dataSync()[0]);
}

/** `trainStep`, whose wasm failures become an out-of-memory error saying what to lower or turn on. */
function guardedStep(cfg: SegvitConfig, model: Segmentor, params: [string, tf.Variable][], images: ModelInput, targets: Targets) {
  try {
    return trainStep(model, params, images, targets);
  } catch (err) {
    if (!isWasmFailure(err)) throw err;
    const lower = `Lower train_dataloader.batch_size or the training crop (this batch: [${images.shape}])`;
    throw outOfMemory(err as Error, lower, memorySavers(model, cfg.model?.backbone as ComponentConfig | undefined));
  }
}

/** What training builds from a config: the seeded model (as its task), its validation, the optimizer wrapper, the LR schedule. */
export interface TrainingParts {
  task: Task;
  evaluator: Evaluator;
  wrapper: OptimWrapper;
  schedule: LrSchedule;
}

/** Seed, then build the model, evaluator, optimizer and schedule of `cfg`, as `train` does (`segvit profile` uses it too). */
export function buildTraining(cfg: SegvitConfig): TrainingParts {
  manualSeed(cfg.randomness?.seed ?? 0);
  const task = taskOf(registries.segmentor.build(required(cfg.model, 'model'), 'model'));
  const evaluator = task.evaluator(cfg.val_evaluator, 'val_evaluator');
  const wrapper = buildOptimWrapper(task.model, required(cfg.optim_wrapper, 'optim_wrapper'));
  const schedule = buildLrSchedule(cfg.param_scheduler, wrapper.optimizer.baseLrs);
  return { task, evaluator, wrapper, schedule };
}

export async function train(cfg: SegvitConfig, options: TrainOptions): Promise<TrainResult> {
  const { workDir } = options;
  const seed = cfg.randomness?.seed ?? 0;
  const { task, evaluator, wrapper, schedule } = buildTraining(cfg);
  const { model } = task;
  const ckptCfg = cfg.default_hooks?.checkpoint;
  const bestMetric = ckptCfg?.save_best ?? evaluator.bestMetric;
  if (!evaluator.metricNames.includes(bestMetric)) {
    throw new Error(`default_hooks.checkpoint.save_best: '${bestMetric}' is not a validation metric (${evaluator.metricNames.join(', ')})`);
  }
  const trainCfg = required(cfg.train_cfg, 'train_cfg');
  const maxIters = trainCfg.max_iters;
  const logger = new TrainLogger(workDir, maxIters, 0, options.tty);
  writeFileSync(join(workDir, 'config.json'), `${JSON.stringify(cfg, null, 2)}\n`);

  let start = 0;
  let best: BestRecord | null = null;
  const loadFrom = options.loadFrom ?? cfg.load_from;
  if (loadFrom) logger.message(`load_from ${loadFrom}: ${formatLoadReport(loadWeights(model, loadFrom))}`);
  const resumeDir = options.resume === true ? findLatest(workDir) : options.resume;
  if (options.resume === true && !resumeDir) throw new Error(`--resume: no checkpoint in ${workDir} (latest is missing)`);
  if (resumeDir) {
    const ckpt = loadCheckpoint(resumeDir);
    loadStateDict(model, ckpt.model, { strict: true });
    if (ckpt.optimizer) wrapper.optimizer.loadStateDict(ckpt.optimizer);
    start = ckpt.state.iteration;
    rng.state = ckpt.state.rng.model ?? rng.state;
    best = ckpt.state.best;
    logger.message(`resumed from ${resumeDir} at iteration ${start}`);
  }
  wrapper.initializeCountStatus(start, maxIters);

  const trainLoader = await loaderFor(required(cfg.train_dataloader, 'train_dataloader'), seed, true);
  const valLoader = cfg.val_dataloader ? await loaderFor(cfg.val_dataloader, seed, false) : undefined;
  const logInterval = cfg.default_hooks?.logger?.interval ?? 50;
  const ckptInterval = ckptCfg?.interval ?? maxIters;
  const params = model.trainableParameters();
  const averages = new Averages();
  const timing = { compute: 0, data: 0, count: 0 };
  let lastValidation: Evaluation | null = null;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    logger.message('Ctrl-C: saving a checkpoint after this iteration, then stopping (press again to abort)');
    process.off('SIGINT', onSigint);
  };
  process.on('SIGINT', onSigint);

  let lastSaved = -1;
  const save = (iteration: number) => {
    lastSaved = iteration;
    return saveCheckpoint(
      workDir,
      { iteration, model, optimizer: wrapper.optimizer, rng: { model: rng.state }, best, config: cfg as never },
      ckptCfg?.max_keep_ckpts,
    );
  };

  model.train();
  const stream = trainLoader.iterate(start);
  let it = start;
  try {
    for (; it < maxIters && !interrupted; it++) {
      const t0 = performance.now();
      const { value: batch } = await stream.next();
      const t1 = performance.now();
      const images = batch.volumeShape ? tf.tensor5d(batch.images, batch.volumeShape) : tf.tensor4d(batch.images, batch.shape);
      const targets = task.targets(batch);
      const { loss, values, grads, finite } = guardedStep(cfg, model, params, images, targets);
      tf.dispose([images, targets]);
      if (!finite) {
        tf.dispose(Object.values(grads));
        const latest = findLatest(workDir);
        const what = Number.isFinite(loss) ? `gradients are not finite (loss ${loss})` : `loss is ${loss}`;
        throw new Error(
          `${what} at iteration ${it + 1} (${JSON.stringify(values)}); training stopped. ` +
            `${latest ? `The last good checkpoint is ${latest}.` : 'No checkpoint was saved yet.'} ` +
            'Lower the learning rate or check the labels (segvit dataset CONFIG).',
        );
      }
      const lrs = schedule.lrAt(it);
      wrapper.updateParams(grads, lrs);
      tf.dispose(Object.values(grads));
      averages.add(values);
      timing.compute += performance.now() - t1;
      timing.data += t1 - t0;
      timing.count++;
      logger.tick(it, loss);
      if ((it + 1) % logInterval === 0 || it + 1 === maxIters) {
        const n = Math.max(timing.count, 1);
        logger.interval({
          iter: it,
          lr: lrs[0],
          values: averages.take(),
          time: (timing.compute + timing.data) / n / 1000,
          dataTime: timing.data / n / 1000,
          memoryMB: memoryMB(),
          tensors: tf.memory().numTensors,
        });
        Object.assign(timing, { compute: 0, data: 0, count: 0 });
      }
      const validate = valLoader && ((it + 1) % trainCfg.val_interval === 0 || it + 1 === maxIters);
      if (validate) {
        lastValidation = await evaluator.evaluate(valLoader);
        const value = lastValidation.metrics[bestMetric]!;
        logger.validation({ iter: it, metrics: lastValidation.metrics });
        await logger.plot();
        if (best === null || (evaluator.higherIsBetter(bestMetric) ? value > best.value : value < best.value)) {
          best = { metric: bestMetric, value, iteration: it + 1 };
          save(it + 1);
          markBest(workDir, it + 1);
        }
      }
      if (((it + 1) % ckptInterval === 0 || it + 1 === maxIters) && lastSaved !== it + 1) save(it + 1);
    }
    if (interrupted && it > start) logger.message(`saved ${lastSaved === it ? checkpointDir(workDir, it) : save(it)} after Ctrl-C`);
  } finally {
    process.off('SIGINT', onSigint);
    logger.close();
    await trainLoader.close();
    await valLoader?.close();
  }
  await logger.plot();
  if (lastValidation) process.stderr.write(`${lastValidation.report}\n`);
  model.dispose();
  wrapper.dispose();
  wrapper.optimizer.dispose();
  return { iterations: it, best, lastValidation, seconds: logger.elapsedSeconds, interrupted };
}
