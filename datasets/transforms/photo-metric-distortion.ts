/**
 * mmseg's PhotoMetricDistortion on uint8 RGB images. In order, each step with probability 0.5:
 * 1. brightness: x + β, β uniform in [−brightness_delta, brightness_delta)
 * 2. mode = randint(2); mode 1: contrast here (x·α, α uniform in contrast_range)
 * 3. saturation: S·α in OpenCV's 8-bit HSV, α uniform in saturation_range
 * 4. hue: H = (H + δ) mod 180, δ integer in [−hue_delta, hue_delta) (numpy randint excludes the top)
 * 5. mode 0: contrast here
 * Every step computes in float32, clips to [0, 255] and truncates to uint8 (numpy `astype(np.uint8)`).
 * Random draws follow mmseg's order: coin, then the step's value only when the coin says apply.
 */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../../lib/config/declare.js';
import { optionPath, resolveOptions } from '../../lib/config/resolve.js';
import { orderedRange, pairOf } from '../../lib/config/schema-parts.js';
import type { Rng } from '../../lib/random.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Image, Sample, Transform } from '../types.js';
import { hsvToRgb, rgbToHsv } from './hsv.js';
import { requireImage } from './raster.js';

const f32 = Math.fround;

const range = pairOf(Type.Number({ minimum: 0 }));

export const PhotoMetricDistortionOptions = defineOptions(
  'PhotoMetricDistortion',
  'random brightness, contrast, saturation and hue (uint8 RGB images), as mmseg',
  {
    brightness_delta: option(Type.Integer({ minimum: 0, maximum: 255 }), 32, 'brightness shift drawn from [-delta, delta)'),
    contrast_range: option(range, [0.5, 1.5], '[min, max] of the contrast factor'),
    saturation_range: option(range, [0.5, 1.5], '[min, max] of the saturation factor'),
    hue_delta: option(Type.Integer({ minimum: 0, maximum: 180 }), 18, 'hue shift drawn from [-delta, delta), of 180'),
  },
);
export type PhotoMetricDistortionOptions = OptionsInput<typeof PhotoMetricDistortionOptions>;

/** mmseg's `convert`, uint8(clip(float32(x)·α + β, 0, 255)), in place on every `stride`-th value from `start`. */
export function convert(data: Uint8Array, alpha: number, beta: number, start = 0, stride = 1): void {
  const [a, b] = [f32(alpha), f32(beta)];
  for (let i = start; i < data.length; i += stride) {
    const y = f32(f32(data[i] * a) + b);
    data[i] = Math.trunc(Math.min(Math.max(y, 0), 255));
  }
}

/** numpy's `random.uniform(lo, hi)`: lo + (hi − lo)·u. */
function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.uniform();
}

/** numpy's `random.randint(2)`: a fair coin. */
function coin(rng: Rng): boolean {
  return rng.int(2) === 1;
}

export class PhotoMetricDistortion implements Transform {
  readonly type = 'PhotoMetricDistortion';
  readonly brightnessDelta: number;
  readonly contrastRange: [number, number];
  readonly saturationRange: [number, number];
  readonly hueDelta: number;

  constructor(options: PhotoMetricDistortionOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(PhotoMetricDistortionOptions, options, ctx);
    const path = (key: string) => optionPath(PhotoMetricDistortionOptions, ctx, key);
    this.brightnessDelta = o.brightness_delta;
    this.contrastRange = orderedRange(o.contrast_range, path('contrast_range'));
    this.saturationRange = orderedRange(o.saturation_range, path('saturation_range'));
    this.hueDelta = o.hue_delta;
  }

  apply(sample: Sample, rng: Rng): Sample {
    const img = requireImage(sample, this.type);
    if (!(img.data instanceof Uint8Array) || img.channels !== 3) {
      throw new Error(
        `PhotoMetricDistortion: ${sample.imgPath} must be a uint8 RGB image (got ${img.channels} channels, ` +
          `${img.data.constructor.name}); put it before Normalize`,
      );
    }
    let data: Uint8Array = img.data.slice();
    this.#brightness(data, rng);
    const contrastFirst = coin(rng);
    if (contrastFirst) this.#contrast(data, rng);
    data = this.#saturation(data, rng);
    data = this.#hue(data, rng);
    if (!contrastFirst) this.#contrast(data, rng);
    const out: Image = { ...img, data };
    return { ...sample, img: out };
  }

  #brightness(data: Uint8Array, rng: Rng): void {
    if (coin(rng)) convert(data, 1, uniform(rng, -this.brightnessDelta, this.brightnessDelta));
  }

  #contrast(data: Uint8Array, rng: Rng): void {
    if (coin(rng)) convert(data, uniform(rng, ...this.contrastRange), 0);
  }

  #saturation(data: Uint8Array, rng: Rng): Uint8Array {
    if (!coin(rng)) return data;
    const hsv = rgbToHsv(data);
    convert(hsv, uniform(rng, ...this.saturationRange), 0, 1, 3);
    return hsvToRgb(hsv);
  }

  #hue(data: Uint8Array, rng: Rng): Uint8Array {
    if (!coin(rng)) return data;
    const hsv = rgbToHsv(data);
    shiftHue(hsv, -this.hueDelta + rng.int(2 * this.hueDelta));
    return hsvToRgb(hsv);
  }
}

/** H = (H + delta) mod 180 on OpenCV HSV [N, 3] data, in place (Python's non-negative modulo). */
export function shiftHue(hsv: Uint8Array, delta: number): void {
  for (let i = 0; i < hsv.length; i += 3) hsv[i] = (((hsv[i] + delta) % 180) + 180) % 180;
}

registries.transform.register('PhotoMetricDistortion', {
  schema: PhotoMetricDistortionOptions,
  build: (o, ctx) => new PhotoMetricDistortion(o, ctx),
});
