/**
 * KBCrop (Monocular-Depth-Estimation-Toolbox, after BTS): the KITTI benchmark crop, `height`×`width` (352×1216)
 * at the bottom of the image, centred horizontally: top = H − height, left = int((W − width) / 2). Crops the image
 * and its depth (and label) maps; sets imgShape.
 */
import { defineOptions, option, type OptionsInput } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import { positiveInt } from '../../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Sample, Transform } from '../types.js';
import { cropRaster, mapRasters, requireImage } from './raster.js';

export const KBCropOptions = defineOptions(
  'KBCrop',
  'KITTI benchmark crop: height x width at the bottom centre of image and depth map',
  {
    height: option(positiveInt, 352, 'rows kept, at the bottom'),
    width: option(positiveInt, 1216, 'columns kept, centred'),
  },
);
export type KBCropOptions = OptionsInput<typeof KBCropOptions>;

export class KBCrop implements Transform {
  readonly type = 'KBCrop';
  readonly height: number;
  readonly width: number;

  constructor(options: KBCropOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(KBCropOptions, options, ctx);
    this.height = o.height;
    this.width = o.width;
  }

  apply(sample: Sample): Sample {
    const img = requireImage(sample, this.type);
    if (img.height < this.height || img.width < this.width) {
      throw new Error(
        `KBCrop: ${sample.imgPath} is ${img.height}x${img.width}, smaller than the ${this.height}x${this.width} crop`,
      );
    }
    const top = img.height - this.height;
    const left = Math.trunc((img.width - this.width) / 2);
    const cropped = mapRasters(sample, this.type, (r) => cropRaster(r, top, left, this.height, this.width));
    return { ...cropped, imgShape: [this.height, this.width] };
  }
}

registries.transform.register('KBCrop', { schema: KBCropOptions, build: (o, ctx) => new KBCrop(o, ctx) });
