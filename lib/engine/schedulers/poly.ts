/** mmengine `PolyLR`: polynomial decay from the lr at `begin` to eta_min at the last step. */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../../config/declare.js';
import { optionPath, resolveOptions } from '../../config/resolve.js';
import { nonNegative } from '../../config/schema-parts.js';
import { registries, type BuildContext } from '../../registry.js';
import { LrScheduler, LrSchedulerOptions } from './scheduler.js';

export const PolyLROptions = defineOptions('PolyLR', 'polynomial decay to eta_min at the last iteration of the range', {
  eta_min: option(Type.Number(), 0, 'lr reached at the last iteration of the range'),
  power: option(nonNegative, 1, 'exponent of the decay; 1: linear'),
  ...LrSchedulerOptions.properties,
});
export type PolyLROptions = OptionsInput<typeof PolyLROptions>;

export class PolyLR extends LrScheduler {
  readonly type = 'PolyLR';
  readonly etaMin: number;
  readonly power: number;

  constructor(options: PolyLROptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(PolyLROptions, options, ctx);
    super(o, optionPath(PolyLROptions, ctx));
    this.etaMin = o.eta_min;
    this.power = o.power;
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

registries.scheduler.register('PolyLR', { schema: PolyLROptions, build: (o, ctx) => new PolyLR(o, ctx) });
