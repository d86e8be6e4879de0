/**
 * Pad (mmseg 0.x options): grow the image and its maps at the bottom and on the right, to a fixed size or to the
 * next multiple of `size_divisor`. Image pixels get `pad_val`, labels `seg_pad_val` (ignored by the loss), depth 0
 * (invalid). Sets padShape; imgShape keeps the unpadded size.
 */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, optional, type OptionsInput } from '../../lib/config/declare.js';
import { ConfigError } from '../../lib/config/errors.js';
import { optionPath, resolveOptions } from '../../lib/config/resolve.js';
import { intOrPair, pair, positiveInt } from '../../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Sample, Transform } from '../types.js';
import { mapRasters, padRaster, requireImage } from './raster.js';

export const PadOptions = defineOptions(
  'Pad',
  'pad image (pad_val), labels (seg_pad_val), depth (0) bottom / right to size [h, w] or size_divisor',
  {
    size: optional(intOrPair, 'target [height, width] (n: [n, n]); give exactly one of size and size_divisor'),
    size_divisor: optional(positiveInt, 'pad height and width up to multiples of it'),
    pad_val: option(Type.Number(), 0, 'value of the padded image pixels'),
    seg_pad_val: option(Type.Integer({ minimum: 0, maximum: 255 }), 255, 'label of the padded pixels (ignored by the losses)'),
  },
);
export type PadOptions = OptionsInput<typeof PadOptions>;

export class Pad implements Transform {
  readonly type = 'Pad';
  readonly size?: [number, number];
  readonly sizeDivisor?: number;
  readonly padVal: number;
  readonly segPadVal: number;

  constructor(options: PadOptions, ctx?: BuildContext) {
    const o = resolveOptions(PadOptions, options, ctx);
    if ((o.size === undefined) === (o.size_divisor === undefined)) {
      throw ConfigError.at(optionPath(PadOptions, ctx), 'give exactly one of size and size_divisor');
    }
    this.size = o.size === undefined ? undefined : pair(o.size);
    this.sizeDivisor = o.size_divisor;
    this.padVal = o.pad_val;
    this.segPadVal = o.seg_pad_val;
  }

  apply(sample: Sample): Sample {
    const img = requireImage(sample, this.type);
    const [h, w] = this.#target(img.height, img.width);
    if (h < img.height || w < img.width) {
      throw new Error(
        `Pad: ${sample.imgPath} is ${img.height}x${img.width}, larger than the pad size ${h}x${w}; ` +
          'crop or resize it first (RandomCrop, Resize)',
      );
    }
    const fill = { img: this.padVal, seg: this.segPadVal, depth: 0 };
    const padded = mapRasters(sample, this.type, (r, kind) => padRaster(r, h, w, fill[kind]));
    return { ...padded, padShape: [h, w] };
  }

  #target(height: number, width: number): [number, number] {
    if (this.size !== undefined) return this.size;
    const d = this.sizeDivisor ?? 1;
    return [Math.ceil(height / d) * d, Math.ceil(width / d) * d];
  }
}

registries.transform.register('Pad', { schema: PadOptions, build: (o, ctx) => new Pad(o, ctx) });
