/** mmengine `ConstantLR`: the lr times `factor` from begin until the last step, where it is restored. */
import { LrScheduler } from './scheduler.js';

export class ConstantLR extends LrScheduler {
  readonly type = 'ConstantLR';
  readonly center = 0;

  /** @param factor in (0, 1] (mmengine divides by it to restore the lr) */
  constructor(
    readonly factor: number,
    begin: number,
    end: number,
  ) {
    super(begin, end);
    if (!(factor > 0 && factor <= 1)) throw new Error(`ConstantLR: factor must be in (0, 1], got ${factor}`);
  }

  /**
   * mmengine multiplies by `factor` at t = 0 and by 1/factor at t = lastStep (end − begin − 1, so the lr is already
   * restored at iteration end − 1); never both at t = 0.
   */
  gain(t0: number, t1: number): number {
    let g = 1;
    if (t0 === 0) g *= this.factor;
    if (this.lastStep > 0 && t0 <= this.lastStep && this.lastStep <= t1) g *= 1 / this.factor;
    return g;
  }
}
