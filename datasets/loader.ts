/**
 * DataLoader: batches streamed from a dataset config, in process or from worker threads, with prefetch and a
 * seeded order. Samples are loaded only a few batches ahead of the consumer, never the whole dataset.
 *
 * Determinism: epoch e visits the dataset in an order seeded by (seed, e); the sample at index i of epoch e is
 * augmented with an Rng seeded by (seed, e, i). Batches are therefore the same whatever the worker count and
 * timing, and `iterate(k)` resumes a stream exactly at batch k.
 */
import type { ComponentConfig } from '../lib/config/types.js';
import { Rng } from '../lib/random.js';
import type { Dataset, Sample } from './types.js';
import { collate, type Batch } from './loader/batch.js';
import { buildDataset, importModules, resolveImport } from './loader/build.js';
import { epochBatches, epochOrder, sampleSeed, streamBatches, type SampleRef } from './loader/order.js';
import { WorkerPool } from './loader/worker-pool.js';

export type { Batch, SampleMeta } from './loader/batch.js';

export interface DataLoaderOptions {
  /** The dataset component config (`{"type": "ADE20KDataset", "data_root": ..., "pipeline": [...]}`). */
  datasetConfig: ComponentConfig;
  batchSize: number;
  /** Visit each epoch in a seeded random order. Default false. */
  shuffle?: boolean;
  /** Seed of the order and of every augmentation. Default 0. */
  seed?: number;
  /** Worker threads loading samples; 0 loads them in this thread. Default 0. */
  numWorkers?: number;
  /** Drop an epoch's last batch when it is short. Default false. */
  dropLast?: boolean;
  /** Batches loaded ahead of the one the consumer holds. Default 2. */
  prefetch?: number;
  /**
   * Modules that register components the config names (mmengine's custom_imports), imported in this thread and
   * in every worker: file paths (relative to the working directory), file URLs or package names.
   */
  imports?: string[];
}

/** A positive (or, with `zero`, non-negative) integer option, or a clear error. */
function checkCount(name: string, value: number, zero: boolean): number {
  if (!Number.isInteger(value) || value < (zero ? 0 : 1)) {
    throw new Error(`DataLoader: ${name} must be an integer ≥ ${zero ? 0 : 1}, got ${value}`);
  }
  return value;
}

/** The options with their defaults, checked. */
function settle(options: DataLoaderOptions): Required<DataLoaderOptions> {
  return {
    datasetConfig: options.datasetConfig,
    batchSize: checkCount('batchSize', options.batchSize, false),
    shuffle: options.shuffle ?? false,
    seed: options.seed ?? 0,
    numWorkers: checkCount('numWorkers', options.numWorkers ?? 0, true),
    dropLast: options.dropLast ?? false,
    prefetch: checkCount('prefetch', options.prefetch ?? 2, true),
    imports: (options.imports ?? []).map(resolveImport),
  };
}

export class DataLoader {
  /** The dataset as built in this thread: its meta, length and sample paths. */
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly #pool?: WorkerPool;

  private constructor(dataset: Dataset, options: Required<DataLoaderOptions>) {
    this.dataset = dataset;
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle;
    this.seed = options.seed;
    this.dropLast = options.dropLast;
    this.prefetch = options.prefetch;
    const { numWorkers, datasetConfig, imports } = options;
    if (numWorkers > 0) this.#pool = new WorkerPool(numWorkers, { datasetConfig, imports });
  }

  /**
   * Check the options, import `imports`, build the dataset here (a bad config fails now, before any worker
   * starts; files a dataset prepares on first build are ready before the workers build theirs), start the workers.
   */
  static async create(options: DataLoaderOptions): Promise<DataLoader> {
    const settled = settle(options);
    await importModules(settled.imports);
    const dataset = await buildDataset(settled.datasetConfig, 'dataset');
    if (dataset.length === 0) throw new Error(`DataLoader: the ${settled.datasetConfig.type} has no samples`);
    return new DataLoader(dataset, settled);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The batches of epoch `epoch`, in its seeded order. */
  epoch(epoch: number): AsyncGenerator<Batch> {
    checkCount('epoch', epoch, true);
    return this.#run(epochBatches(this.#order(epoch), epoch, this.batchSize, this.dropLast));
  }

  /**
   * Endless full batches, epoch after epoch (a batch may span two epochs), from batch `startIteration` on: batch
   * k is the same whether the stream started at 0 or at k, so a resumed run continues where it stopped.
   */
  iterate(startIteration = 0): AsyncGenerator<Batch> {
    checkCount('startIteration', startIteration, true);
    const orderOf = (epoch: number) => this.#order(epoch);
    return this.#run(streamBatches(orderOf, this.dataset.length, this.batchSize, startIteration));
  }

  /** Stop the workers. Iterators still running fail; in-process loaders have nothing to stop. */
  async close(): Promise<void> {
    await this.#pool?.close();
  }

  #order(epoch: number): Uint32Array {
    return epochOrder(this.dataset.length, this.seed, epoch, this.shuffle);
  }

  /**
   * Collated batches of `plan`. When the consumer asks for a batch, it and the `prefetch` batches after it are
   * loading, so they are ready when the consumer gets to them. Every queued batch has a rejection handler: a
   * failure ahead of the consumer waits for it instead of crashing the process.
   */
  async *#run(plan: Iterator<SampleRef[]>): AsyncGenerator<Batch> {
    const queue: Promise<Batch>[] = [];
    for (;;) {
      while (queue.length <= this.prefetch) {
        const refs = plan.next();
        if (refs.done) break;
        const batch = this.#loadBatch(refs.value);
        batch.catch(() => undefined);
        queue.push(batch);
      }
      const next = queue.shift();
      if (next === undefined) return;
      yield await next;
    }
  }

  async #loadBatch(refs: SampleRef[]): Promise<Batch> {
    return collate(await Promise.all(refs.map((ref) => this.#load(ref))));
  }

  /** One sample, in a worker or here; a failure is an Error naming the sample's file. */
  async #load({ epoch, index }: SampleRef): Promise<Sample> {
    const seed = sampleSeed(this.seed, epoch, index);
    try {
      return await (this.#pool ? this.#pool.load(index, seed) : this.dataset.get(index, new Rng(seed)));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot load sample ${index} (${this.dataset.info(index).imgPath}): ${reason}`, { cause: err });
    }
  }
}
