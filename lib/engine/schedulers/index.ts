/**
 * Learning-rate schedulers, registered under mmengine's names (`param_scheduler` entries), iteration-based
 * (`by_epoch=False`), composed by `LrSchedule`.
 */
import { ConfigError } from '../../config/errors.js';
import type { ComponentConfig } from '../../config/types.js';
import type { JSONSchema } from '../../config/json-schema.js';
import { registries as globalRegistries, type BuildContext, type Registries } from '../../registry.js';
import { ConstantLR } from './constant.js';
import { CosineAnnealingLR } from './cosine.js';
import { LinearLR } from './linear.js';
import { MultiStepLR } from './multi-step.js';
import { PolyLR } from './poly.js';
import { INF, LrScheduler } from './scheduler.js';
import { LrSchedule } from './schedule.js';

export { LrScheduler, INF } from './scheduler.js';
export { LrSchedule } from './schedule.js';
export { LinearLR } from './linear.js';
export { ConstantLR } from './constant.js';
export { MultiStepLR } from './multi-step.js';
export { PolyLR } from './poly.js';
export { CosineAnnealingLR } from './cosine.js';

interface RangeConfig {
  begin: number;
  end: number;
}

/** Options every scheduler takes: its iteration range, and mmengine's `by_epoch`, which must be false here. */
const range: Record<string, JSONSchema> = {
  begin: { type: 'integer', minimum: 0, default: 0 },
  end: { type: 'integer', minimum: 1, default: INF, description: 'exclusive; mmengine default INF = 1e9' },
  by_epoch: { const: false, default: false, description: 'segvit schedules are iteration-based' },
};

const factor: JSONSchema = { type: 'number', exclusiveMinimum: 0, maximum: 1 };

/** Register `type`, checking begin < end (with the config path) before `make` builds it. */
function register<O extends RangeConfig>(
  type: string,
  description: string,
  properties: Record<string, JSONSchema>,
  make: (o: O) => LrScheduler,
  required: string[] = [],
): void {
  globalRegistries.scheduler.register<O>(type, {
    description,
    schema: { properties: { ...properties, ...range }, required },
    build: (o: O, ctx: BuildContext) => {
      if (o.end <= o.begin) throw ConfigError.at(`${ctx.path}.end`, `must be greater than begin (${o.begin})`);
      return make(o);
    },
  });
}

register<RangeConfig & { start_factor: number; end_factor: number }>(
  'LinearLR',
  'linear warmup or decay of the lr factor from start_factor to end_factor',
  { start_factor: { ...factor, default: 1 / 3 }, end_factor: { type: 'number', minimum: 0, maximum: 1, default: 1 } },
  (o) => new LinearLR(o.start_factor, o.end_factor, o.begin, o.end),
);

register<RangeConfig & { factor: number }>(
  'ConstantLR',
  'the lr times factor until the last iteration of the range',
  { factor: { ...factor, default: 1 / 3 } },
  (o) => new ConstantLR(o.factor, o.begin, o.end),
);

register<RangeConfig & { milestones: number[]; gamma: number }>(
  'MultiStepLR',
  'the lr times gamma at each milestone (iterations counted from begin)',
  { milestones: { type: 'array', items: { type: 'integer', minimum: 0 } }, gamma: { type: 'number', default: 0.1 } },
  (o) => new MultiStepLR(o.milestones, o.gamma, o.begin, o.end),
  ['milestones'],
);

register<RangeConfig & { eta_min: number; power: number }>(
  'PolyLR',
  'polynomial decay to eta_min at the last iteration of the range',
  { eta_min: { type: 'number', default: 0 }, power: { type: 'number', minimum: 0, default: 1 } },
  (o) => new PolyLR(o.eta_min, o.power, o.begin, o.end),
);

register<RangeConfig & { T_max: number | null; eta_min: number }>(
  'CosineAnnealingLR',
  'cosine annealing to eta_min over T_max iterations (default end - begin)',
  { T_max: { type: ['integer', 'null'], minimum: 1, default: null }, eta_min: { type: 'number', default: 0 } },
  (o) => new CosineAnnealingLR(o.T_max, o.eta_min, o.begin, o.end),
);

/**
 * Build a validated `param_scheduler` (one config or a list) for param groups with initial lrs `baseLrs`.
 * No scheduler keeps every lr at its initial value.
 */
export function buildLrSchedule(
  cfg: ComponentConfig | ComponentConfig[] | undefined,
  baseLrs: readonly number[],
  from: Registries = globalRegistries,
): LrSchedule {
  const cfgs = cfg === undefined ? [] : Array.isArray(cfg) ? cfg : [cfg];
  const schedulers = cfgs.map((c, i) => {
    const path = Array.isArray(cfg) ? `param_scheduler[${i}]` : 'param_scheduler';
    const scheduler = from.scheduler.build(c, path);
    if (!(scheduler instanceof LrScheduler)) throw new Error(`${path}: '${c.type}' is not a learning-rate scheduler`);
    return scheduler;
  });
  return new LrSchedule(schedulers, baseLrs);
}
