/**
 * Data transforms, registered in the `transform` registry under mmseg 1.x's type names with its snake_case
 * options (Pad keeps mmseg 0.x's `size` [h, w], `pad_val`, `seg_pad_val`). All are tfjs-free, so pipelines run in
 * loader worker threads.
 */
import { ConfigError } from '../../lib/config/errors.js';
import type { JSONSchema } from '../../lib/config/json-schema.js';
import { positiveInt, probability } from '../../lib/config/schema-parts.js';
import { registries } from '../../lib/registry.js';
import { KBCrop } from './kb-crop.js';
import { Normalize } from './normalize.js';
import { Pad } from './pad.js';
import { PhotoMetricDistortion } from './photo-metric-distortion.js';
import { RandomCrop } from './random-crop.js';
import { RandomFlip } from './random-flip.js';
import { RandomResize, Resize } from './resize.js';

export { KBCrop, type KBCropOptions } from './kb-crop.js';
export { Normalize, type NormalizeOptions } from './normalize.js';
export { Pad, type PadOptions } from './pad.js';
export { PhotoMetricDistortion, type PhotoMetricDistortionOptions } from './photo-metric-distortion.js';
export { RandomCrop, type RandomCropOptions } from './random-crop.js';
export { RandomFlip, type RandomFlipOptions } from './random-flip.js';
export {
  RandomResize,
  Resize,
  rescaleSize,
  type RandomResizeOptions,
  type ResizeOptions,
  type Scale,
} from './resize.js';

type Pair = [number, number];

/** An integer n (meaning [n, n]) or a pair of positive integers. */
const intOrPair: JSONSchema = { anyOf: [positiveInt, { type: 'array', items: positiveInt, minItems: 2, maxItems: 2 }] };
const range: JSONSchema = { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 2, maxItems: 2 };
const ratios: JSONSchema = { ...range, items: { type: 'number', exclusiveMinimum: 0 } };
const numbers: JSONSchema = { type: 'array', items: { type: 'number' }, minItems: 1 };

/** mmcv's `(n, n)` for a bare integer. */
function pair(value: number | Pair): Pair {
  return typeof value === 'number' ? [value, value] : value;
}

/** The range [lo, hi], or a ConfigError at `path` when lo > hi. */
function ordered(value: Pair, path: string): Pair {
  if (value[0] > value[1]) throw ConfigError.at(path, `must be [min, max], got [${value.join(', ')}]`);
  return value;
}

registries.transform.register<{ scale: number | Pair; keep_ratio: boolean }>('Resize', {
  description: 'resize image (bilinear) and label / depth maps (nearest) to scale [w, h], or within it (keep_ratio)',
  schema: {
    properties: { scale: intOrPair, keep_ratio: { type: 'boolean', default: false } },
    required: ['scale'],
  },
  build: (o) => new Resize({ scale: pair(o.scale), keepRatio: o.keep_ratio }),
});

registries.transform.register<{ scale: number | Pair; ratio_range: Pair; keep_ratio: boolean }>('RandomResize', {
  description: 'Resize to scale [w, h] times a ratio drawn uniformly from ratio_range',
  schema: {
    properties: { scale: intOrPair, ratio_range: ratios, keep_ratio: { type: 'boolean', default: false } },
    required: ['scale', 'ratio_range'],
  },
  build: (o, ctx) =>
    new RandomResize({
      scale: pair(o.scale),
      ratioRange: ordered(o.ratio_range, `${ctx.path}.ratio_range`),
      keepRatio: o.keep_ratio,
    }),
});

registries.transform.register<{ crop_size: number | Pair; cat_max_ratio: number; ignore_index: number }>('RandomCrop', {
  description: 'random crop_size [h, w] window of image and maps; cat_max_ratio < 1 redraws class-dominated crops',
  schema: {
    properties: {
      crop_size: intOrPair,
      cat_max_ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 1 },
      ignore_index: { type: 'integer', default: 255 },
    },
    required: ['crop_size'],
  },
  build: (o) =>
    new RandomCrop({ cropSize: pair(o.crop_size), catMaxRatio: o.cat_max_ratio, ignoreIndex: o.ignore_index }),
});

registries.transform.register<{ prob: number; direction: 'horizontal' | 'vertical' }>('RandomFlip', {
  description: 'flip image and maps together with probability prob',
  schema: {
    properties: { prob: probability, direction: { enum: ['horizontal', 'vertical'], default: 'horizontal' } },
    required: ['prob'],
  },
  build: (o) => new RandomFlip({ prob: o.prob, direction: o.direction }),
});

interface PhotoMetricConfig {
  brightness_delta: number;
  contrast_range: Pair;
  saturation_range: Pair;
  hue_delta: number;
}

registries.transform.register<PhotoMetricConfig>('PhotoMetricDistortion', {
  description: 'random brightness, contrast, saturation and hue (uint8 RGB images), as mmseg',
  schema: {
    properties: {
      brightness_delta: { type: 'integer', minimum: 0, maximum: 255, default: 32 },
      contrast_range: { ...range, default: [0.5, 1.5] },
      saturation_range: { ...range, default: [0.5, 1.5] },
      hue_delta: { type: 'integer', minimum: 0, maximum: 180, default: 18 },
    },
  },
  build: (o, ctx) =>
    new PhotoMetricDistortion({
      brightnessDelta: o.brightness_delta,
      contrastRange: ordered(o.contrast_range, `${ctx.path}.contrast_range`),
      saturationRange: ordered(o.saturation_range, `${ctx.path}.saturation_range`),
      hueDelta: o.hue_delta,
    }),
});

registries.transform.register<{ mean: number[]; std: number[]; to_rgb: boolean }>('Normalize', {
  description: 'float32 image (x - mean) / std per channel',
  schema: {
    properties: { mean: numbers, std: numbers, to_rgb: { type: 'boolean', default: true } },
    required: ['mean', 'std'],
  },
  build: (o, ctx) => {
    if (o.mean.length !== o.std.length) {
      throw ConfigError.at(`${ctx.path}.std`, `must have ${o.mean.length} values, as mean`);
    }
    if (o.std.some((s) => s === 0)) throw ConfigError.at(`${ctx.path}.std`, 'must not contain 0');
    return new Normalize({ mean: o.mean, std: o.std, toRgb: o.to_rgb });
  },
});

interface PadConfig {
  size?: number | Pair;
  size_divisor?: number;
  pad_val: number;
  seg_pad_val: number;
}

registries.transform.register<PadConfig>('Pad', {
  description: 'pad image (pad_val), labels (seg_pad_val), depth (0) bottom / right to size [h, w] or size_divisor',
  schema: {
    properties: {
      size: intOrPair,
      size_divisor: positiveInt,
      pad_val: { type: 'number', default: 0 },
      seg_pad_val: { type: 'integer', minimum: 0, maximum: 255, default: 255 },
    },
  },
  build: (o, ctx) => {
    if ((o.size === undefined) === (o.size_divisor === undefined)) {
      throw ConfigError.at(ctx.path, 'give exactly one of size and size_divisor');
    }
    const size = o.size === undefined ? undefined : pair(o.size);
    return new Pad({ size, sizeDivisor: o.size_divisor, padVal: o.pad_val, segPadVal: o.seg_pad_val });
  },
});

registries.transform.register<{ height: number; width: number }>('KBCrop', {
  description: 'KITTI benchmark crop: height x width at the bottom centre of image and depth map',
  schema: {
    properties: { height: { ...positiveInt, default: 352 }, width: { ...positiveInt, default: 1216 } },
  },
  build: (o) => new KBCrop({ height: o.height, width: o.width }),
});
