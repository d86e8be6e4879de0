/**
 * mmcv's Resize and RandomResize: the image bilinearly (cv2.INTER_LINEAR), label and depth maps with nearest
 * neighbour, so that no class id is invented and no invalid depth (0) leaks into valid pixels.
 */
import type { Rng } from '../../lib/random.js';
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

export interface ResizeOptions {
  /** Target [width, height]; with keepRatio, the bounds of the long and short edges. */
  scale: Scale;
  /** Keep the aspect ratio (mmcv `imrescale`) instead of resizing to exactly `scale`. Default false. */
  keepRatio?: boolean;
}

/** Resize img, gtSegMap and gtDepthMap; sets imgShape and scaleFactor ([h-scale, w-scale]). */
export class Resize implements Transform {
  readonly type = 'Resize';
  readonly scale: Scale;
  readonly keepRatio: boolean;

  constructor(options: ResizeOptions) {
    this.scale = options.scale;
    this.keepRatio = options.keepRatio ?? false;
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

export interface RandomResizeOptions {
  /** Base [width, height], multiplied by one ratio drawn per sample. */
  scale: Scale;
  /** [lo, hi]: the ratio is uniform in [lo, hi). */
  ratioRange: [number, number];
  keepRatio?: boolean;
}

/**
 * mmcv's RandomResize with `ratio_range`: ratio = lo + u·(hi − lo), target = (int(w·ratio), int(h·ratio)), then
 * Resize to that target.
 */
export class RandomResize implements Transform {
  readonly type = 'RandomResize';
  readonly scale: Scale;
  readonly ratioRange: [number, number];
  readonly keepRatio: boolean;

  constructor(options: RandomResizeOptions) {
    const [lo, hi] = options.ratioRange;
    if (lo > hi) throw new Error(`RandomResize: ratio_range [${lo}, ${hi}] must be [min, max]`);
    this.scale = options.scale;
    this.ratioRange = options.ratioRange;
    this.keepRatio = options.keepRatio ?? false;
  }

  apply(sample: Sample, rng: Rng): Sample {
    const [lo, hi] = this.ratioRange;
    const ratio = rng.uniform() * (hi - lo) + lo;
    const target: Scale = [Math.trunc(this.scale[0] * ratio), Math.trunc(this.scale[1] * ratio)];
    return resizeTo(sample, target, this.keepRatio, this.type);
  }
}
