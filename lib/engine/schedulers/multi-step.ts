/** mmengine `MultiStepLR`: the lr times gamma at each milestone. */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, required, type OptionsInput } from '../../config/declare.js';
import { optionPath, resolveOptions } from '../../config/resolve.js';
import { indices } from '../../config/schema-parts.js';
import { registries, type BuildContext } from '../../registry.js';
import { LrScheduler, LrSchedulerOptions } from './scheduler.js';

export const MultiStepLROptions = defineOptions(
  'MultiStepLR',
  'the lr times gamma at each milestone (iterations counted from begin)',
  {
    milestones: required(indices, 'iterations, counted from begin, at which the lr is multiplied by gamma'),
    gamma: option(Type.Number(), 0.1, 'factor on the lr at each milestone (a milestone listed k times: gamma^k)'),
    ...LrSchedulerOptions.properties,
  },
);
export type MultiStepLROptions = OptionsInput<typeof MultiStepLROptions>;

export class MultiStepLR extends LrScheduler {
  readonly type = 'MultiStepLR';
  readonly center = 0;
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(options: MultiStepLROptions, ctx?: BuildContext) {
    const o = resolveOptions(MultiStepLROptions, options, ctx);
    super(o, optionPath(MultiStepLROptions, ctx));
    this.milestones = o.milestones;
    this.gamma = o.gamma;
  }

  gain(t0: number, t1: number): number {
    return this.gamma ** this.milestones.filter((m) => m >= t0 && m <= t1).length;
  }
}

registries.scheduler.register('MultiStepLR', { schema: MultiStepLROptions, build: (o, ctx) => new MultiStepLR(o, ctx) });
