/**
 * Pad (mmseg 0.x options): grow the image and its maps at the bottom and on the right, to a fixed size or to the
 * next multiple of `size_divisor`. Image pixels get `pad_val`, labels `seg_pad_val` (ignored by the loss), depth 0
 * (invalid). Sets padShape; imgShape keeps the unpadded size.
 */
import type { Sample, Transform } from '../types.js';
import { mapRasters, padRaster, requireImage } from './raster.js';

export interface PadOptions {
  /** Target [height, width]; exactly one of size and sizeDivisor. */
  size?: [number, number];
  sizeDivisor?: number;
  /** Default 0. */
  padVal?: number;
  /** Default 255. */
  segPadVal?: number;
}

export class Pad implements Transform {
  readonly type = 'Pad';
  readonly size?: [number, number];
  readonly sizeDivisor?: number;
  readonly padVal: number;
  readonly segPadVal: number;

  constructor(options: PadOptions) {
    if ((options.size === undefined) === (options.sizeDivisor === undefined)) {
      throw new Error('Pad: give exactly one of size and size_divisor');
    }
    this.size = options.size;
    this.sizeDivisor = options.sizeDivisor;
    this.padVal = options.padVal ?? 0;
    this.segPadVal = options.segPadVal ?? 255;
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
