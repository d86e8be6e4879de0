/** mmseg's RandomCrop: one random window cut from the image and its label / depth maps. */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, required, type OptionsInput } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import { intOrPair, pair } from '../../lib/config/schema-parts.js';
import type { Rng } from '../../lib/random.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { LabelMap, Sample, Transform } from '../types.js';
import { cropRaster, mapRasters, requireImage } from './raster.js';

/** How many times mmseg redraws a crop that one class dominates. */
const CAT_MAX_RETRIES = 10;

export const RandomCropOptions = defineOptions(
  'RandomCrop',
  'random crop_size [h, w] window of image and maps; cat_max_ratio < 1 redraws class-dominated crops',
  {
    crop_size: required(intOrPair, '[height, width] of the crop (n: [n, n]); a smaller image keeps its own size on that axis'),
    cat_max_ratio: option(
      Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
      1,
      "redraw (up to 10 times) while one class covers this share of the crop's labelled pixels or more",
    ),
    ignore_index: option(Type.Integer(), 255, 'label left out of the class count'),
  },
);
export type RandomCropOptions = OptionsInput<typeof RandomCropOptions>;

/** The top-left corner of a crop window of crop_size. */
interface Box {
  top: number;
  left: number;
}

export class RandomCrop implements Transform {
  readonly type = 'RandomCrop';
  readonly cropSize: [number, number];
  readonly catMaxRatio: number;
  readonly ignoreIndex: number;

  constructor(options: RandomCropOptions, ctx?: BuildContext) {
    const o = resolveOptions(RandomCropOptions, options, ctx);
    this.cropSize = pair(o.crop_size);
    this.catMaxRatio = o.cat_max_ratio;
    this.ignoreIndex = o.ignore_index;
  }

  apply(sample: Sample, rng: Rng): Sample {
    const box = this.#chooseBox(sample, rng);
    const [h, w] = this.cropSize;
    const cropped = mapRasters(sample, this.type, (r) => cropRaster(r, box.top, box.left, h, w));
    const img = requireImage(cropped, this.type);
    return { ...cropped, imgShape: [img.height, img.width] };
  }

  /** mmseg's crop_bbox: a first draw, then with cat_max_ratio < 1 up to 10 checks, each failure drawing anew. */
  #chooseBox(sample: Sample, rng: Rng): Box {
    let box = this.#drawBox(sample, rng);
    if (this.catMaxRatio >= 1) return box;
    const labels = sample.gtSegMap;
    if (labels === undefined) {
      throw new Error(`RandomCrop: cat_max_ratio < 1 needs the label map of ${sample.imgPath} (LoadAnnotations first)`);
    }
    for (let i = 0; i < CAT_MAX_RETRIES; i++) {
      if (this.#isBalanced(labels, box)) break;
      box = this.#drawBox(sample, rng);
    }
    return box;
  }

  /** Offsets uniform in [0, max(H − h, 0)] and [0, max(W − w, 0)], rows first (numpy randint order). */
  #drawBox(sample: Sample, rng: Rng): Box {
    const img = requireImage(sample, this.type);
    const top = rng.int(Math.max(img.height - this.cropSize[0], 0) + 1);
    const left = rng.int(Math.max(img.width - this.cropSize[1], 0) + 1);
    return { top, left };
  }

  /** More than one class in the window, and the largest covers less than cat_max_ratio of its labelled pixels. */
  #isBalanced(labels: LabelMap, box: Box): boolean {
    const counts = new Uint32Array(256);
    const y1 = Math.min(box.top + this.cropSize[0], labels.height);
    const x1 = Math.min(box.left + this.cropSize[1], labels.width);
    for (let y = box.top; y < y1; y++) {
      for (let x = box.left; x < x1; x++) counts[labels.data[y * labels.width + x]]++;
    }
    if (this.ignoreIndex >= 0 && this.ignoreIndex < 256) counts[this.ignoreIndex] = 0;
    let classes = 0;
    let total = 0;
    let largest = 0;
    for (const n of counts) {
      if (n === 0) continue;
      classes++;
      total += n;
      largest = Math.max(largest, n);
    }
    return classes > 1 && largest / total < this.catMaxRatio;
  }
}

registries.transform.register('RandomCrop', { schema: RandomCropOptions, build: (o, ctx) => new RandomCrop(o, ctx) });
