/** mmengine `PolyLR`: polynomial decay from the lr at `begin` to eta_min at the last step. */
import { LrScheduler } from './scheduler.js';

export class PolyLR extends LrScheduler {
  readonly type = 'PolyLR';

  /** @param power exponent, >= 0 */
  constructor(
    readonly etaMin: number,
    readonly power: number,
    begin: number,
    end: number,
  ) {
    super(begin, end);
    if (!(power >= 0)) throw new Error(`PolyLR: power must be >= 0, got ${power}`);
  }

  get center(): number {
    return this.etaMin;
  }

  /**
   * mmengine leaves the lr at t = 0, then maps lr − eta_min by (1 − 1/(T − t + 1))^power, i.e.
   * ((T − t)/(T − t + 1))^power (T = lastStep), which telescopes to ((T − t1)/(T − t0 + 1))^power over steps t0..t1 (t0 >= 1), reaching 0 at T.
   */
  gain(t0: number, t1: number): number {
    const from = Math.max(t0, 1);
    if (t1 < from) return 1;
    return ((this.lastStep - t1) / (this.lastStep - from + 1)) ** this.power;
  }
}
