/**
 * Worker threads that each build the dataset from its config and load samples by index on request. Requests queue
 * here and go to whichever worker is idle (one at a time each); samples come back by transfer. A worker that
 * cannot build its dataset or dies fails every pending and later request with that reason.
 */
import { Worker } from 'node:worker_threads';
import type { Sample } from '../types.js';
import { fromErrorData, type LoadRequest, type WorkerInit, type WorkerReply } from './protocol.js';

/** The worker script, next to this folder in the compiled tree. */
const WORKER_SCRIPT = new URL('../loader-worker.js', import.meta.url);

interface Job {
  request: LoadRequest;
  resolve(sample: Sample): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/** Loads samples with `size` worker threads. */
export class WorkerPool {
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  #nextId = 0;
  /** Why the pool takes no more requests: a worker failure, or close(). */
  #failure?: Error;

  constructor(size: number, init: WorkerInit) {
    this.#slots = Array.from({ length: size }, (_, i) => this.#spawn(i, init));
  }

  /** Dataset sample `index` run through the pipeline with an Rng seeded by `seed`. */
  load(index: number, seed: number): Promise<Sample> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ request: { id: this.#nextId++, index, seed }, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stop every worker; pending and later requests fail. */
  async close(): Promise<void> {
    this.#fail(new Error('the DataLoader was closed'));
    // a terminating worker does not keep the event loop alive: without this timer the process can end with
    // terminate() pending and the caller's code after close() never run (seen once h5wasm had run in this thread)
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
    } finally {
      clearInterval(keepAlive);
    }
  }

  #spawn(i: number, init: WorkerInit): Slot {
    const worker = new Worker(WORKER_SCRIPT, { workerData: init });
    const slot: Slot = { worker };
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.#onReply(slot, reply));
    worker.on('error', (err) => {
      this.#fail(new Error(`data loader worker ${i} crashed: ${err.message}`, { cause: err }));
    });
    worker.on('exit', (code) => this.#fail(new Error(`data loader worker ${i} exited (code ${code})`)));
    return slot;
  }

  /** Hand queued requests to idle workers; a worker keeps the process alive only while it has one. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.job !== undefined) continue;
      const job = this.#queue.shift();
      if (job === undefined) return;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage(job.request);
    }
  }

  #onReply(slot: Slot, reply: WorkerReply): void {
    if (reply.type === 'failed') {
      this.#fail(fromErrorData(reply.error));
      return;
    }
    const job = slot.job;
    if (job === undefined || job.request.id !== reply.id) return;
    slot.job = undefined;
    slot.worker.unref();
    if (reply.type === 'sample') job.resolve(reply.sample);
    else job.reject(fromErrorData(reply.error));
    this.#dispatch();
  }

  /** Reject everything pending and refuse later requests (the first failure wins). */
  #fail(err: Error): void {
    this.#failure ??= err;
    const running = this.#slots.flatMap((slot) => (slot.job ? [slot.job] : []));
    const jobs = [...running, ...this.#queue.splice(0)].sort((a, b) => a.request.id - b.request.id);
    for (const slot of this.#slots) {
      slot.job = undefined;
      slot.worker.unref();
    }
    for (const job of jobs) job.reject(this.#failure);
  }
}
