/**
 * Gradient accumulation and clipping around an optimizer, as mmengine's `OptimWrapper`: every iteration's
 * gradients are divided by the loss factor (mmengine divides the loss, which scales the gradients alike) and summed;
 * every `accumulative_counts` iterations (and at the last one) they are clipped, applied and cleared.
 */
import * as tf from '@tensorflow/tfjs-core';
import { clipGradNorm } from './clip-grad.js';
import type { Gradients, Optimizer } from './optimizer.js';

export interface ClipGradOptions {
  maxNorm: number;
  /** Default 2; `Infinity` for the max-norm. */
  normType?: number;
}

export interface OptimWrapperOptions {
  /** Iterations whose gradients are summed before one update, default 1. */
  accumulativeCounts?: number;
  /** Clip the (accumulated) gradients by global norm before each update. */
  clipGrad?: ClipGradOptions | null;
}

/** What one `updateParams` call did. */
export interface UpdateResult {
  /** Whether the parameters were updated at this iteration. */
  stepped: boolean;
  /** The global gradient norm before clipping, when clipping ran (mmengine logs it as `grad_norm`). */
  gradNorm?: number;
}

export class OptimWrapper {
  readonly accumulativeCounts: number;
  readonly clipGrad: ClipGradOptions | null;
  #innerCount = 0;
  #maxCounts = -1;
  #accumulated: Gradients | null = null;

  constructor(
    readonly optimizer: Optimizer,
    options: OptimWrapperOptions = {},
  ) {
    this.accumulativeCounts = options.accumulativeCounts ?? 1;
    if (!Number.isInteger(this.accumulativeCounts) || this.accumulativeCounts < 1) {
      throw new Error(`accumulative_counts must be a positive integer, got ${this.accumulativeCounts}`);
    }
    this.clipGrad = options.clipGrad ?? null;
  }

  /** Iterations seen so far (mmengine's `inner_count`). */
  get innerCount(): number {
    return this.#innerCount;
  }

  /**
   * Start counting at iteration `initCounts` (the resumed iteration) of `maxCounts` (max_iters), so that the last
   * partial accumulation is averaged over its own length and still applied. Pending gradients are dropped.
   */
  initializeCountStatus(initCounts: number, maxCounts: number): void {
    this.#innerCount = initCounts;
    this.#maxCounts = maxCounts;
    this.#clear();
  }

  /**
   * Take this iteration's gradients (of the unscaled loss; the caller keeps and disposes them) and update the
   * parameters when an accumulation cycle completes, group `i` at learning rate `lrs[i]`.
   */
  updateParams(grads: Gradients, lrs?: readonly number[]): UpdateResult {
    const factor = this.#lossFactor();
    this.#innerCount += 1;
    if (this.#accumulated === null && factor === 1 && this.#shouldUpdate()) {
      return { stepped: true, ...this.#step(grads, lrs) }; // nothing to sum: use the caller's gradients as they are
    }
    this.#accumulate(grads, 1 / factor);
    if (!this.#shouldUpdate()) return { stepped: false };
    try {
      return { stepped: true, ...this.#step(this.#accumulated!, lrs) };
    } finally {
      this.#clear();
    }
  }

  /** Release pending gradients. */
  dispose(): void {
    this.#clear();
  }

  /** mmengine's `scale_loss` divisor: accumulative_counts, or the remainder for the last partial cycle. */
  #lossFactor(): number {
    const k = this.accumulativeCounts;
    if (k === 1 || this.#maxCounts === -1) return k;
    const remainder = this.#maxCounts % k;
    return this.#innerCount < this.#maxCounts - remainder ? k : remainder;
  }

  #shouldUpdate(): boolean {
    return this.#innerCount % this.accumulativeCounts === 0 || this.#innerCount === this.#maxCounts;
  }

  /** Add `scale`·grads to the pending sums. */
  #accumulate(grads: Gradients, scale: number): void {
    const sums = this.#accumulated ?? {};
    for (const [name, g] of Object.entries(grads)) {
      const previous = sums[name];
      sums[name] = tf.tidy(() => (previous ? tf.add(previous, tf.mul(g, scale)) : tf.mul(g, scale)));
      previous?.dispose();
    }
    this.#accumulated = sums;
  }

  /** Clip `grads` (into new tensors) when configured, then apply them. */
  #step(grads: Gradients, lrs: readonly number[] | undefined): Omit<UpdateResult, 'stepped'> {
    if (this.clipGrad === null) {
      this.optimizer.step(grads, lrs);
      return {};
    }
    const clipped = clipGradNorm(grads, this.clipGrad.maxNorm, this.clipGrad.normType);
    try {
      this.optimizer.step(clipped.grads, lrs);
    } finally {
      tf.dispose(Object.values(clipped.grads));
    }
    return { gradNorm: clipped.totalNorm };
  }

  #clear(): void {
    if (this.#accumulated) tf.dispose(Object.values(this.#accumulated));
    this.#accumulated = null;
  }
}
