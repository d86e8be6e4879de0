/** mmengine `MultiStepLR`: the lr times gamma at each milestone. */
import { LrScheduler } from './scheduler.js';

export class MultiStepLR extends LrScheduler {
  readonly type = 'MultiStepLR';
  readonly center = 0;

  /**
   * @param milestones local steps (iterations counted from `begin`) at which the lr is multiplied by gamma; a
   *   milestone listed k times multiplies by gamma^k
   */
  constructor(
    readonly milestones: readonly number[],
    readonly gamma: number,
    begin: number,
    end: number,
  ) {
    super(begin, end);
  }

  gain(t0: number, t1: number): number {
    return this.gamma ** this.milestones.filter((m) => m >= t0 && m <= t1).length;
  }
}
