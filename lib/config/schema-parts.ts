/** Schema fragments shared by component declarations (mmseg's option shapes). */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { choice, constant, nullable, option, optional } from './declare.js';
import { ConfigError } from './errors.js';

export const positiveInt = Type.Integer({ minimum: 1 });
export const positiveInts = Type.Array(positiveInt, { minItems: 1 });
export const probability = Type.Number({ minimum: 0, maximum: 1 });
/** Stage or block indices. */
export const indices = Type.Array(Type.Integer({ minimum: 0 }));
/** A number above 0. */
export const positive = Type.Number({ exclusiveMinimum: 0 });
/** A number of at least 0 (rates, multipliers). */
export const nonNegative = Type.Number({ minimum: 0 });

/** Two values of `item` (`{"type": "array", "items": item, "minItems": 2, "maxItems": 2}`). */
export function pairOf(item: TSchema) {
  return Type.Unsafe<[number, number]>({ type: 'array', items: item, minItems: 2, maxItems: 2 });
}

/** [h, w] of positive integers. */
export const sizePair = pairOf(positiveInt);
/** [d, h, w] of positive integers (volumes). */
export const sizeTriple = Type.Unsafe<[number, number, number]>({ type: 'array', items: positiveInt, minItems: 3, maxItems: 3 });
/** mmcv's size or scale: an integer n (meaning [n, n]) or a pair of positive integers. */
export const intOrPair = Type.Union([positiveInt, sizePair]);

/** mmcv's `(n, n)` for a bare integer. */
export function pair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

/** The range [lo, hi] given at `path`, or a ConfigError there when lo > hi. */
export function orderedRange(value: [number, number], path: string): [number, number] {
  if (value[0] > value[1]) throw ConfigError.at(path, `must be [min, max], got [${value.join(', ')}]`);
  return value;
}

/** mmcv norm_cfg of conv heads: BN / SyncBN (the same on one device) or GN. */
export const convNormCfg = nullable(
  Type.Object(
    {
      type: choice(['BN', 'SyncBN', 'GN']),
      requires_grad: Type.Optional(constant(true)),
      num_groups: Type.Optional(positiveInt),
      eps: Type.Optional(positive),
      momentum: Type.Optional(probability),
    },
    { additionalProperties: false },
  ),
);
export type NormCfg = NonNullable<Static<typeof convNormCfg>>;

export const reluActCfg = nullable(
  Type.Object({ type: constant('ReLU'), inplace: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
);
export type ActCfg = NonNullable<Static<typeof reluActCfg>>;

/** The only act_cfg of a transformer: GELU (accepted as in mmseg configs; the architecture fixes it). */
export const geluActCfg = Type.Object({ type: Type.Optional(constant('GELU')) }, { additionalProperties: false });

/** The only norm_cfg of a transformer: LN (accepted as in mmseg configs; the architecture fixes it). */
export const lnNormCfg = Type.Object(
  { type: Type.Optional(constant('LN')), requires_grad: Type.Optional(constant(true)) },
  { additionalProperties: false },
);

/** Options of mmseg's transformer backbones that segvit accepts but the architecture fixes. */
export const transformerFixedOptions = {
  act_cfg: optional(geluActCfg, 'only GELU'),
  norm_cfg: optional(lnNormCfg, 'only LN'),
  with_cp: optional(constant(false), 'only false: no activation checkpointing'),
};

/** mmseg's with_cp, for backbones whose blocks support it (lib/nn/checkpoint.ts). */
export const withCpOption = option(
  Type.Boolean(),
  false,
  "activation checkpointing (mmseg's with_cp): each block keeps only its input and recomputes its forward in the " +
    'backward; less training memory for one more forward',
);

/** mmseg init_cfg pointing at pretrained weights (`{type: 'Pretrained', checkpoint: path}`). */
export const pretrainedInitCfg = nullable(
  Type.Object(
    {
      type: constant('Pretrained'),
      checkpoint: Type.String({ minLength: 1 }),
      prefix: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
);
