/** mmengine `LinearLR`: the lr factor moves linearly from start_factor to end_factor over [begin, end). */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../../config/declare.js';
import { optionPath, resolveOptions } from '../../config/resolve.js';
import { registries, type BuildContext } from '../../registry.js';
import { LrScheduler, LrSchedulerOptions, lrFactor } from './scheduler.js';

export const LinearLROptions = defineOptions(
  'LinearLR',
  'linear warmup or decay of the lr factor from start_factor to end_factor',
  {
    start_factor: option(lrFactor, 1 / 3, 'factor of the lr at begin'),
    end_factor: option(Type.Number({ minimum: 0, maximum: 1 }), 1, 'factor reached at the last iteration of the range'),
    ...LrSchedulerOptions.properties,
  },
);
export type LinearLROptions = OptionsInput<typeof LinearLROptions>;

export class LinearLR extends LrScheduler {
  readonly type = 'LinearLR';
  readonly center = 0;
  readonly startFactor: number;
  readonly endFactor: number;

  constructor(options: LinearLROptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(LinearLROptions, options, ctx);
    super(o, optionPath(LinearLROptions, ctx));
    this.startFactor = o.start_factor;
    this.endFactor = o.end_factor;
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

registries.scheduler.register('LinearLR', { schema: LinearLROptions, build: (o, ctx) => new LinearLR(o, ctx) });
