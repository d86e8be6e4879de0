/**
 * mmcv's Resize and RandomResize: the image bilinearly (cv2.INTER_LINEAR), label and depth maps with nearest
 * neighbour, so that no class id is invented and no invalid depth (0) leaks into valid pixels.
 */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, required, type OptionsInput } from '../../lib/config/declare.js';
import { optionPath, resolveOptions } from '../../lib/config/resolve.js';
import { intOrPair, orderedRange, pair, pairOf } from '../../lib/config/schema-parts.js';
import type { Rng } from '../../lib/random.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Sample, Transform } from '../types.js';
import { resizeBilinear, resizeNearest } from './interpolate.js';
import { mapRasters, requireImage } from './raster.js';

/** [width, height], mmcv's order for scales. */
export type Scale = [number, number];

/**
 * mmcv's `rescale_size`: the [width, height] of an image of `width`×`height` rescaled to fit `scale` keeping its
 * aspect ratio. The long edge may grow up to max(scale), the short edge up to min(scale):
 * factor = min(max(scale) / long edge, min(scale) / short edge), new size = int(size · factor + 0.5).
 */
export function rescaleSize(width: number, height: number, scale: Scale): Scale {
  const factor = Math.min(Math.max(...scale) / Math.max(width, height), Math.min(...scale) / Math.min(width, height));
  return [Math.trunc(width * factor + 0.5), Math.trunc(height * factor + 0.5)];
}

const scale = required(intOrPair, 'target [width, height] (n: [n, n]); with keep_ratio, bounds of the long and short edges');
const keepRatio = option(Type.Boolean(), false, "keep the aspect ratio (mmcv's imrescale) instead of resizing to exactly scale");

export const ResizeOptions = defineOptions(
  'Resize',
  'resize image (bilinear) and label / depth maps (nearest) to scale [w, h], or within it (keep_ratio)',
  { scale, keep_ratio: keepRatio },
);
export type ResizeOptions = OptionsInput<typeof ResizeOptions>;

/** Resize img, gtSegMap and gtDepthMap; sets imgShape and scaleFactor ([h-scale, w-scale]). */
export class Resize implements Transform {
  readonly type = 'Resize';
  readonly scale: Scale;
  readonly keepRatio: boolean;

  constructor(options: ResizeOptions, ctx?: BuildContext) {
    const o = resolveOptions(ResizeOptions, options, ctx);
    this.scale = pair(o.scale);
    this.keepRatio = o.keep_ratio;
  }

  apply(sample: Sample): Sample {
    return resizeTo(sample, this.scale, this.keepRatio, this.type);
  }
}

/** `sample` resized to `scale` ([w, h]) as mmcv's Resize does; `transform` names the caller in errors. */
function resizeTo(sample: Sample, scale: Scale, keepRatio: boolean, transform: string): Sample {
  const img = requireImage(sample, transform);
  const [w, h] = keepRatio ? rescaleSize(img.width, img.height, scale) : scale;
  if (w < 1 || h < 1) throw new Error(`${transform}: ${sample.imgPath} would be resized to ${h}x${w}`);
  const resized = mapRasters(sample, transform, (r, kind) =>
    kind === 'img' ? resizeBilinear(r, h, w) : resizeNearest(r, h, w),
  );
  return { ...resized, imgShape: [h, w], scaleFactor: [h / img.height, w / img.width] };
}

export const RandomResizeOptions = defineOptions(
  'RandomResize',
  'Resize to scale [w, h] times a ratio drawn uniformly from ratio_range',
  {
    scale,
    ratio_range: required(pairOf(Type.Number({ exclusiveMinimum: 0 })), '[min, max] of the ratio, drawn uniformly per sample'),
    keep_ratio: keepRatio,
  },
);
export type RandomResizeOptions = OptionsInput<typeof RandomResizeOptions>;

/**
 * mmcv's RandomResize with `ratio_range`: ratio = lo + u·(hi − lo), target = (int(w·ratio), int(h·ratio)), then
 * Resize to that target.
 */
export class RandomResize implements Transform {
  readonly type = 'RandomResize';
  readonly scale: Scale;
  readonly ratioRange: [number, number];
  readonly keepRatio: boolean;

  constructor(options: RandomResizeOptions, ctx?: BuildContext) {
    const o = resolveOptions(RandomResizeOptions, options, ctx);
    this.scale = pair(o.scale);
    this.ratioRange = orderedRange(o.ratio_range, optionPath(RandomResizeOptions, ctx, 'ratio_range'));
    this.keepRatio = o.keep_ratio;
  }

  apply(sample: Sample, rng: Rng): Sample {
    const [lo, hi] = this.ratioRange;
    const ratio = rng.uniform() * (hi - lo) + lo;
    const target: Scale = [Math.trunc(this.scale[0] * ratio), Math.trunc(this.scale[1] * ratio)];
    return resizeTo(sample, target, this.keepRatio, this.type);
  }
}

registries.transform.register('Resize', { schema: ResizeOptions, build: (o, ctx) => new Resize(o, ctx) });
registries.transform.register('RandomResize', { schema: RandomResizeOptions, build: (o, ctx) => new RandomResize(o, ctx) });
