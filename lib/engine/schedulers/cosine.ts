/** mmengine `CosineAnnealingLR`: cosine decay to eta_min over T_max steps, rising again after (SGDR-like). */
import { Type } from '@sinclair/typebox';
import { defineOptions, nullable, option, type OptionsInput } from '../../config/declare.js';
import { optionPath, resolveOptions } from '../../config/resolve.js';
import { registries, type BuildContext } from '../../registry.js';
import { LrScheduler, LrSchedulerOptions } from './scheduler.js';

export const CosineAnnealingLROptions = defineOptions(
  'CosineAnnealingLR',
  'cosine annealing to eta_min over T_max iterations (default end - begin)',
  {
    T_max: option(nullable(Type.Integer({ minimum: 1 })), null, 'half period in iterations; null: end - begin'),
    eta_min: option(Type.Number(), 0, 'lr at the bottom of the cosine'),
    ...LrSchedulerOptions.properties,
  },
);
export type CosineAnnealingLROptions = OptionsInput<typeof CosineAnnealingLROptions>;

export class CosineAnnealingLR extends LrScheduler {
  readonly type = 'CosineAnnealingLR';
  /** The half period in steps: T_max, or end − begin when not given (mmengine's `T_max or (end - begin)`). */
  readonly tMax: number;
  readonly etaMin: number;

  constructor(options: CosineAnnealingLROptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(CosineAnnealingLROptions, options, ctx);
    super(o, optionPath(CosineAnnealingLROptions, ctx));
    this.tMax = o.T_max ?? o.end - o.begin;
    this.etaMin = o.eta_min;
  }

  get center(): number {
    return this.etaMin;
  }

  /**
   * mmengine leaves the lr at t = 0, then maps lr − eta_min by c(t)/c(t − 1) with c(t) = 1 + cos(π·t/T_max),
   * which telescopes to c(t1)/c(t0 − 1) over steps t0..t1 (t0 >= 1); no restart may lie in between.
   */
  gain(t0: number, t1: number): number {
    const from = Math.max(t0, 1);
    return t1 < from ? 1 : this.#c(t1) / this.#c(from - 1);
  }

  override scalesOnly(t0: number, t1: number): boolean {
    return this.#lastRestart(t1) < t0;
  }

  /**
   * At a restart (t = T_max + 1 + 2k·T_max, where c(t − 1) = 0 and the lr is eta_min) mmengine adds
   * (initial lr − eta_min)·(1 − cos(π/T_max))/2 instead; the steps after it scale that by c(t)/c(restart).
   */
  override advance(lr: number, t0: number, t1: number, initialLr: number): number {
    const restart = this.#lastRestart(t1);
    if (restart < t0) return super.advance(lr, t0, t1, initialLr);
    const raised = ((initialLr - this.etaMin) * (1 - Math.cos(Math.PI / this.tMax))) / 2;
    return this.etaMin + raised * (this.#c(t1) / this.#c(restart));
  }

  #c(t: number): number {
    return 1 + Math.cos((Math.PI * t) / this.tMax);
  }

  /** The last restart step <= t, or -1. */
  #lastRestart(t: number): number {
    const T = this.tMax;
    if (t < T + 1) return -1;
    return T + 1 + 2 * T * Math.floor((t - T - 1) / (2 * T));
  }
}

registries.scheduler.register('CosineAnnealingLR', {
  schema: CosineAnnealingLROptions,
  build: (o, ctx) => new CosineAnnealingLR(o, ctx),
});
