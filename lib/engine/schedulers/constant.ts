/** mmengine `ConstantLR`: the lr times `factor` from begin until the last step, where it is restored. */
import { defineOptions, option, type OptionsInput } from '../../config/declare.js';
import { optionPath, resolveOptions } from '../../config/resolve.js';
import { registries, type BuildContext } from '../../registry.js';
import { LrScheduler, LrSchedulerOptions, lrFactor } from './scheduler.js';

export const ConstantLROptions = defineOptions('ConstantLR', 'the lr times factor until the last iteration of the range', {
  factor: option(lrFactor, 1 / 3, 'factor on the lr until the last iteration of the range'),
  ...LrSchedulerOptions.properties,
});
export type ConstantLROptions = OptionsInput<typeof ConstantLROptions>;

export class ConstantLR extends LrScheduler {
  readonly type = 'ConstantLR';
  readonly center = 0;
  readonly factor: number;

  constructor(options: ConstantLROptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(ConstantLROptions, options, ctx);
    super(o, optionPath(ConstantLROptions, ctx));
    this.factor = o.factor;
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

registries.scheduler.register('ConstantLR', { schema: ConstantLROptions, build: (o, ctx) => new ConstantLR(o, ctx) });
