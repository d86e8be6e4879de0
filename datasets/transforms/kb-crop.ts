/**
 * KBCrop (Monocular-Depth-Estimation-Toolbox, after BTS): the KITTI benchmark crop, `height`×`width` (352×1216)
 * at the bottom of the image, centred horizontally: top = H − height, left = int((W − width) / 2). Crops the image
 * and its depth (and label) maps; sets imgShape.
 */
import type { Sample, Transform } from '../types.js';
import { cropRaster, mapRasters, requireImage } from './raster.js';

export interface KBCropOptions {
  /** Default 352. */
  height?: number;
  /** Default 1216. */
  width?: number;
}

export class KBCrop implements Transform {
  readonly type = 'KBCrop';
  readonly height: number;
  readonly width: number;

  constructor(options: KBCropOptions = {}) {
    this.height = options.height ?? 352;
    this.width = options.width ?? 1216;
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
