/** Schema fragments shared by component schemas (mmseg's option shapes). */
import type { JSONSchema } from './json-schema.js';

export const positiveInt: JSONSchema = { type: 'integer', minimum: 1 };
export const positiveInts: JSONSchema = { type: 'array', items: positiveInt, minItems: 1 };
export const probability: JSONSchema = { type: 'number', minimum: 0, maximum: 1 };

/** mmcv norm_cfg of conv heads: BN / SyncBN (the same on one device) or GN. */
export const convNormCfg: JSONSchema = {
  type: ['object', 'null'],
  properties: {
    type: { enum: ['BN', 'SyncBN', 'GN'] },
    requires_grad: { const: true },
    num_groups: positiveInt,
    eps: { type: 'number', exclusiveMinimum: 0 },
    momentum: probability,
  },
  required: ['type'],
  additionalProperties: false,
};

export const reluActCfg: JSONSchema = {
  type: ['object', 'null'],
  properties: { type: { const: 'ReLU' }, inplace: { type: 'boolean' } },
  required: ['type'],
  additionalProperties: false,
};

/** mmseg init_cfg pointing at pretrained weights (`{type: 'Pretrained', checkpoint: path}`). */
export const pretrainedInitCfg: JSONSchema = {
  type: ['object', 'null'],
  properties: {
    type: { const: 'Pretrained' },
    checkpoint: { type: 'string', minLength: 1 },
    prefix: { type: 'string' },
  },
  required: ['type', 'checkpoint'],
  additionalProperties: false,
};
