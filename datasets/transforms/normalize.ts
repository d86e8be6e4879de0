/** mmcv's Normalize: a float32 image (x − mean) / std per channel. */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, required, type OptionsInput } from '../../lib/config/declare.js';
import { ConfigError } from '../../lib/config/errors.js';
import { optionPath, resolveOptions } from '../../lib/config/resolve.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Sample, Transform } from '../types.js';
import { requireImage } from './raster.js';

const f32 = Math.fround;

const perChannel = Type.Array(Type.Number(), { minItems: 1 });

/**
 * mmcv loads BGR and `to_rgb` converts to RGB; segvit loads RGB, so `true` keeps RGB and `false` gives the BGR order a
 * `to_rgb=False` model expects (3-channel images).
 */
export const NormalizeOptions = defineOptions('Normalize', 'float32 image (x - mean) / std per channel', {
  mean: required(perChannel, 'per-channel mean, in the output channel order'),
  std: required(perChannel, 'per-channel standard deviation, in the output channel order'),
  to_rgb: option(Type.Boolean(), true, 'true: RGB channel order (as loaded); false: BGR (3-channel images)'),
});
export type NormalizeOptions = OptionsInput<typeof NormalizeOptions>;

export class Normalize implements Transform {
  readonly type = 'Normalize';
  readonly mean: number[];
  readonly std: number[];
  readonly toRgb: boolean;

  constructor(options: NormalizeOptions, ctx?: BuildContext) {
    const o = resolveOptions(NormalizeOptions, options, ctx);
    const std = optionPath(NormalizeOptions, ctx, 'std');
    if (o.mean.length !== o.std.length) throw ConfigError.at(std, `must have ${o.mean.length} values, as mean`);
    if (o.std.some((s) => s === 0)) throw ConfigError.at(std, 'must not contain 0');
    this.mean = o.mean;
    this.std = o.std;
    this.toRgb = o.to_rgb;
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

registries.transform.register('Normalize', { schema: NormalizeOptions, build: (o, ctx) => new Normalize(o, ctx) });
