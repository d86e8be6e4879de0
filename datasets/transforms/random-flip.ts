/** mmcv's RandomFlip with one direction: image, label and depth maps mirrored together with probability `prob`. */
import type { Rng } from '../../lib/random.js';
import type { Sample, Transform } from '../types.js';
import { flipRaster, mapRasters, type FlipDirection } from './raster.js';

export interface RandomFlipOptions {
  /** Probability of flipping. */
  prob: number;
  /** Default 'horizontal'. */
  direction?: FlipDirection;
}

/** Flips when u < prob (numpy `choice([direction, None], p=[prob, 1 − prob])`); sets `flip`. */
export class RandomFlip implements Transform {
  readonly type = 'RandomFlip';
  readonly prob: number;
  readonly direction: FlipDirection;

  constructor(options: RandomFlipOptions) {
    this.prob = options.prob;
    this.direction = options.direction ?? 'horizontal';
  }

  apply(sample: Sample, rng: Rng): Sample {
    if (rng.uniform() >= this.prob) return { ...sample, flip: false };
    return { ...mapRasters(sample, this.type, (r) => flipRaster(r, this.direction)), flip: true };
  }
}
