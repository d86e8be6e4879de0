/**
 * mmseg 1.x's RandomRotFlip, the augmentation of TransUNet / HiFormer on Synapse: with probability `rotate_prob` a
 * rotation by a uniform angle in `degree` about the slice's centre, same size, filled with 0 (scipy.ndimage.rotate
 * with reshape=False: output (r, c) reads input (cos·r' + sin·c', −sin·r' + cos·c') about the centre); otherwise,
 * with probability `flip_prob`, numpy's rot90 by k ∈ {0..3} quarter turns and a flip along a random axis. TransUNet's
 * RandomGenerator (rot-flip with p 0.5, else a rotation with p 0.5, nearest) is the same distribution with
 * rotate_prob 0.25 and flip_prob 2/3. Label maps are always rotated by nearest neighbour.
 */
import { Type } from '@sinclair/typebox';
import { choice, defineOptions, option, type OptionsInput } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import { probability } from '../../lib/config/schema-parts.js';
import type { Rng } from '../../lib/random.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Sample, Transform } from '../types.js';
import { allocLike, flipRaster, mapRasters, type Pixels, type Raster } from './raster.js';

const INTERPOLATIONS = ['nearest', 'bilinear'] as const;
type Interpolation = (typeof INTERPOLATIONS)[number];

/** numpy's rot90(r): a quarter turn counter-clockwise, [H, W] -> [W, H]. */
export function rot90Raster<T extends Pixels>(r: Raster<T>): Raster<T> {
  const { height: h, width: w, channels: c } = r;
  const data = allocLike(r.data, r.data.length);
  for (let i = 0; i < w; i++) {
    for (let j = 0; j < h; j++) {
      const from = (j * w + (w - 1 - i)) * c;
      data.set(r.data.subarray(from, from + c), (i * h + j) * c);
    }
  }
  return { data, height: w, width: h, channels: c };
}

/** `r` rotated by `degrees` as scipy.ndimage.rotate(reshape=False, mode='constant', cval=0), order 0 or 1. */
export function rotateRaster<T extends Pixels>(r: Raster<T>, degrees: number, interpolation: Interpolation): Raster<T> {
  const { height: h, width: w, channels: ch } = r;
  const [cos, sin] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
  const [cy, cx] = [(h - 1) / 2, (w - 1) / 2];
  const data = allocLike(r.data, r.data.length);
  const at = (y: number, x: number, k: number) => (y >= 0 && y < h && x >= 0 && x < w ? r.data[(y * w + x) * ch + k]! : 0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = cos * (y - cy) + sin * (x - cx) + cy;
      const sx = -sin * (y - cy) + cos * (x - cx) + cx;
      const inside = sy >= 0 && sy <= h - 1 && sx >= 0 && sx <= w - 1; // scipy's 'constant' mode: cval beyond the edge samples
      for (let k = 0; k < ch; k++) {
        let v = 0;
        if (inside && interpolation === 'nearest') v = at(Math.floor(sy + 0.5), Math.floor(sx + 0.5), k);
        else if (inside) {
          const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
          const [ty, tx] = [sy - y0, sx - x0];
          const row = (yy: number) => at(yy, x0, k) * (1 - tx) + (tx > 0 ? at(yy, x0 + 1, k) * tx : 0);
          v = row(y0) * (1 - ty) + (ty > 0 ? row(y0 + 1) * ty : 0);
        }
        data[(y * w + x) * ch + k] = v;
      }
    }
  }
  return { data, height: h, width: w, channels: ch };
}

export const RandomRotFlipOptions = defineOptions(
  'RandomRotFlip',
  "rotate (p rotate_prob, angle in degree) or else rot90 + flip (p flip_prob), as mmseg's RandomRotFlip",
  {
    rotate_prob: option(probability, 0.5, 'probability of a rotation'),
    flip_prob: option(probability, 0.5, 'probability of rot90 + flip when not rotated'),
    degree: option(Type.Tuple([Type.Number(), Type.Number()]), [-20, 20], 'range of the rotation angle, degrees'),
    interpolation: option(choice(INTERPOLATIONS), 'nearest', "the image's interpolation when rotated (TransUNet: nearest); labels: nearest"),
  },
);
export type RandomRotFlipOptions = OptionsInput<typeof RandomRotFlipOptions>;

export class RandomRotFlip implements Transform {
  readonly type = 'RandomRotFlip';
  readonly rotateProb: number;
  readonly flipProb: number;
  readonly degree: [number, number];
  readonly interpolation: Interpolation;

  constructor(options: RandomRotFlipOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(RandomRotFlipOptions, options, ctx);
    [this.rotateProb, this.flipProb, this.degree, this.interpolation] = [o.rotate_prob, o.flip_prob, o.degree, o.interpolation];
  }

  apply(sample: Sample, rng: Rng): Sample {
    let out = sample;
    const rotate = rng.uniform() < this.rotateProb;
    if (rotate) {
      const [lo, hi] = [Math.min(...this.degree), Math.max(...this.degree)];
      const angle = lo + (hi - lo) * rng.uniform();
      out = mapRasters(out, this.type, (r, kind) => rotateRaster(r, angle, kind === 'img' ? this.interpolation : 'nearest'));
    }
    if (rng.uniform() < this.flipProb && !rotate) {
      const [k, axis] = [rng.int(4), rng.int(2)];
      out = mapRasters(out, this.type, (r) => {
        let turned = r;
        for (let i = 0; i < k; i++) turned = rot90Raster(turned);
        return flipRaster(turned, axis === 0 ? 'vertical' : 'horizontal');
      });
    }
    if (out === sample) return sample;
    return { ...out, imgShape: [out.img!.height, out.img!.width] };
  }
}

registries.transform.register('RandomRotFlip', { schema: RandomRotFlipOptions, build: (o, ctx) => new RandomRotFlip(o, ctx) });
