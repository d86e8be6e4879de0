/** mmengine `LinearLR`: the lr factor moves linearly from start_factor to end_factor over [begin, end). */
import { LrScheduler } from './scheduler.js';

export class LinearLR extends LrScheduler {
  readonly type = 'LinearLR';
  readonly center = 0;

  /**
   * @param startFactor factor at local step 0, in (0, 1] (mmengine divides by it at step 1)
   * @param endFactor factor reached at the last local step, in [0, 1]
   */
  constructor(
    readonly startFactor: number,
    readonly endFactor: number,
    begin: number,
    end: number,
  ) {
    super(begin, end);
    if (!(startFactor > 0 && startFactor <= 1)) {
      throw new Error(`LinearLR: start_factor must be in (0, 1], got ${startFactor}`);
    }
    if (!(endFactor >= 0 && endFactor <= 1)) throw new Error(`LinearLR: end_factor must be in [0, 1], got ${endFactor}`);
  }

  /**
   * mmengine multiplies by start_factor at t = 0, then by 1 + (e − s)/(T·s + (t − 1)(e − s)) with T = lastStep,
   * which telescopes to the factor F(t) = s + (e − s)·t/T relative to the lr at `begin`.
   */
  gain(t0: number, t1: number): number {
    return this.#factor(t1) / this.#factor(t0 - 1);
  }

  #factor(t: number): number {
    if (t < 0) return 1;
    if (t === 0) return this.startFactor;
    return this.startFactor + ((this.endFactor - this.startFactor) * t) / this.lastStep;
  }
}
