/**
 * Throwaway components for the config tests, registered into a fresh registry set (never the global one). Their
 * schemas use mmseg's option names so the tests read like real configs.
 */
import type { JsonObject } from '../../lib/config/json.js';
import type { ComponentConfig } from '../../lib/config/types.js';
import { Module } from '../../lib/nn/module.js';
import { createRegistries, type BuildContext, type Registries } from '../../lib/registry.js';

/**
 * What the fake factories build: a parameterless Module remembering its type, options, path and nested parts.
 * Factories return it typed `never`, as a stand-in for whatever their kind builds (the tests only inspect it).
 */
export class Built extends Module {
  constructor(
    readonly type: string,
    readonly options: JsonObject,
    readonly path: string,
    readonly nested: Record<string, Module> = {},
  ) {
    super();
  }
}

const record =
  (type: string) =>
  (options: JsonObject, ctx: BuildContext): never =>
    new Built(type, options, ctx.path) as never;
const positiveInts = { type: 'array', items: { type: 'integer', minimum: 1 } } as const;

export function testRegistries(): Registries {
  const r = createRegistries();
  r.backbone.register('SwinTransformer', {
    description: 'Swin Transformer',
    schema: {
      properties: {
        embed_dims: { type: 'integer', minimum: 1, default: 96 },
        depths: { ...positiveInts, default: [2, 2, 6, 2] },
        num_heads: { ...positiveInts, default: [3, 6, 12, 24] },
        window_size: { type: 'integer', minimum: 1, default: 7 },
        drop_path_rate: { type: 'number', minimum: 0, maximum: 1, default: 0.1 },
      },
    },
    build: record('SwinTransformer'),
  });
  r.backbone.register('VisionTransformer', {
    description: 'ViT',
    schema: { properties: { embed_dims: { type: 'integer', default: 768 } } },
    build: record('VisionTransformer'),
  });
  for (const type of ['UPerHead', 'FCNHead']) {
    r.head.register(type, {
      description: type,
      schema: {
        properties: {
          in_channels: { anyOf: [{ type: 'integer' }, positiveInts] },
          channels: { type: 'integer', minimum: 1 },
          num_classes: { type: 'integer', minimum: 1 },
          ignore_index: { type: 'integer', default: 255 },
          loss_decode: { component: 'loss' },
        },
        required: ['channels', 'num_classes'],
      },
      build: record(type),
    });
  }
  r.loss.register('CrossEntropyLoss', {
    description: 'cross-entropy',
    schema: { properties: { loss_weight: { type: 'number', minimum: 0, default: 1 } } },
    build: record('CrossEntropyLoss'),
  });
  r.segmentor.register('EncoderDecoder', {
    description: 'backbone -> decode head (+ auxiliary heads)',
    schema: {
      properties: {
        backbone: { component: 'backbone' },
        decode_head: { component: 'head' },
        auxiliary_head: { component: 'head', list: true },
      },
      required: ['backbone', 'decode_head'],
    },
    build: (options: JsonObject, ctx) =>
      new Built('EncoderDecoder', options, ctx.path, {
        backbone: ctx.registries.backbone.build(options.backbone as ComponentConfig, `${ctx.path}.backbone`),
      }) as never,
  });
  r.dataset.register('ADE20KDataset', {
    description: 'ADE20K',
    schema: {
      properties: {
        data_root: { type: 'string' },
        pipeline: { type: 'array', items: { component: 'transform' } },
      },
      required: ['data_root'],
    },
    build: record('ADE20KDataset'),
  });
  r.transform.register('LoadImageFromFile', {
    description: 'read',
    schema: { properties: {} },
    build: record('LoadImageFromFile'),
  });
  r.transform.register('RandomCrop', {
    description: 'crop',
    schema: { properties: { crop_size: positiveInts, cat_max_ratio: { type: 'number', default: 1 } } },
    build: record('RandomCrop'),
  });
  r.metric.register('IoUMetric', {
    description: 'mIoU',
    schema: { properties: { iou_metrics: { type: 'array', items: { type: 'string' } } } },
    build: record('IoUMetric'),
  });
  r.optimizer.register('AdamW', {
    description: 'AdamW',
    schema: {
      properties: {
        lr: { type: 'number', minimum: 0 },
        weight_decay: { type: 'number', minimum: 0, default: 0.01 },
        betas: { type: 'array', items: { type: 'number' } },
      },
      required: ['lr'],
    },
    build: record('AdamW'),
  });
  for (const type of ['LinearLR', 'PolyLR']) {
    r.scheduler.register(type, {
      description: type,
      schema: {
        properties: {
          begin: { type: 'integer', minimum: 0 },
          end: { type: 'integer', minimum: 0 },
          by_epoch: { type: 'boolean', default: false },
          start_factor: { type: 'number' },
          power: { type: 'number' },
          eta_min: { type: 'number' },
        },
      },
      build: record(type),
    });
  }
  return r;
}
