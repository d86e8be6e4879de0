/** mmcv's Normalize: a float32 image (x − mean) / std per channel. */
import type { Sample, Transform } from '../types.js';
import { requireImage } from './raster.js';

const f32 = Math.fround;

export interface NormalizeOptions {
  /** Per-channel mean, in the output channel order. */
  mean: number[];
  /** Per-channel standard deviation, in the output channel order. */
  std: number[];
  /**
   * mmcv loads BGR and `to_rgb` converts to RGB; segvit loads RGB, so `true` (default) keeps RGB and `false`
   * gives the BGR order a `to_rgb=False` model expects (3-channel images).
   */
  toRgb?: boolean;
}

export class Normalize implements Transform {
  readonly type = 'Normalize';
  readonly mean: number[];
  readonly std: number[];
  readonly toRgb: boolean;

  constructor(options: NormalizeOptions) {
    if (options.mean.length !== options.std.length) {
      throw new Error(`Normalize: mean has ${options.mean.length} values but std has ${options.std.length}`);
    }
    this.mean = options.mean;
    this.std = options.std;
    this.toRgb = options.toRgb ?? true;
  }

  /** [H, W, C] uint8 or float32 -> [H, W, C] float32, computed in float32 as mmcv (x − mean, then · 1/std). */
  apply(sample: Sample): Sample {
    const img = requireImage(sample, this.type);
    const c = img.channels;
    if (c !== this.mean.length) {
      throw new Error(`Normalize: ${sample.imgPath} has ${c} channels but mean and std have ${this.mean.length}`);
    }
    const order = !this.toRgb && c === 3 ? [2, 1, 0] : [...Array(c).keys()];
    const mean = this.mean.map(f32);
    const inv = this.std.map((s) => f32(1 / f32(s)));
    const data = new Float32Array(img.data.length);
    for (let p = 0; p < data.length; p += c) {
      for (let k = 0; k < c; k++) data[p + k] = f32(img.data[p + order[k]] - mean[k]) * inv[k];
    }
    return { ...sample, img: { ...img, data } };
  }
}
