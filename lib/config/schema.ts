/**
 * The top-level config schema, mmseg 1.x style. Every key is optional and unknown keys are errors. Components
 * (`model`, datasets, metrics, the optimizer, schedulers) are checked against their own registered schemas, so
 * dataset options such as `data_root` or `pipeline` live in the dataset's schema, not here.
 */
import type { JSONSchema } from './json-schema.js';

const integer = (minimum: number, extra: JSONSchema = {}): JSONSchema => ({ type: 'integer', minimum, ...extra });

/** A closed object schema: `properties`, of which `required` must be present, and nothing else. */
function object(properties: Record<string, JSONSchema>, required: string[] = []): JSONSchema {
  return { type: 'object', properties, required, additionalProperties: false };
}

const dataloader = object(
  {
    batch_size: integer(1),
    num_workers: integer(0, { default: 0 }),
    shuffle: { type: 'boolean' },
    sampler: { type: 'object', description: "mmengine's sampler dict, e.g. {type: 'InfiniteSampler', shuffle: true}" },
    dataset: { component: 'dataset' },
  },
  ['batch_size', 'dataset'],
);

const multiplier: JSONSchema = { type: 'number', minimum: 0 };

const paramwiseCfg = object({
  custom_keys: {
    type: 'object',
    description: 'multipliers for the parameters whose name contains the key',
    additionalProperties: object({ lr_mult: multiplier, decay_mult: multiplier }),
  },
  norm_decay_mult: multiplier,
  bias_decay_mult: multiplier,
});

const clipGrad: JSONSchema = {
  type: ['object', 'null'],
  properties: {
    max_norm: { type: 'number', exclusiveMinimum: 0 },
    norm_type: { type: 'number', exclusiveMinimum: 0, default: 2 },
  },
  required: ['max_norm'],
  additionalProperties: false,
};

const optimWrapper = object(
  {
    type: { type: 'string', default: 'OptimWrapper' },
    optimizer: { component: 'optimizer' },
    paramwise_cfg: paramwiseCfg,
    clip_grad: clipGrad,
    accumulative_counts: integer(1, { default: 1 }),
  },
  ['optimizer'],
);

/** A loop or hook dict whose `type` can only be `name` (and is filled in when left out). */
const typed = (name: string, properties: Record<string, JSONSchema> = {}, required: string[] = []): JSONSchema =>
  object({ type: { const: name, default: name }, ...properties }, required);

const defaultHooks = object({
  logger: typed('LoggerHook', { interval: integer(1, { default: 50 }) }),
  checkpoint: typed(
    'CheckpointHook',
    { interval: integer(1), max_keep_ckpts: integer(1), save_best: { type: 'string' } },
    ['interval'],
  ),
});

export const configSchema: JSONSchema = object({
  model: { component: 'segmentor' },
  train_dataloader: dataloader,
  val_dataloader: dataloader,
  test_dataloader: dataloader,
  val_evaluator: { component: 'metric' },
  test_evaluator: { component: 'metric' },
  optim_wrapper: optimWrapper,
  param_scheduler: { component: 'scheduler', list: true },
  train_cfg: typed('IterBasedTrainLoop', { max_iters: integer(1), val_interval: integer(1, { default: 1000 }) }, [
    'max_iters',
  ]),
  val_cfg: typed('ValLoop'),
  test_cfg: typed('TestLoop'),
  default_hooks: defaultHooks,
  randomness: object({ seed: integer(0), deterministic: { type: 'boolean', default: false } }, ['seed']),
  work_dir: { type: 'string' },
  load_from: { type: ['string', 'null'], default: null },
  resume: { type: 'boolean', default: false },
  backend: { enum: ['tensorflow', 'wasm', 'cpu', 'auto'] },
});
