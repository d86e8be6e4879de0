/** mmcv's RandomFlip with one direction: image, label and depth maps mirrored together with probability `prob`. */
import { choice, defineOptions, option, required, type OptionsInput } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import { probability } from '../../lib/config/schema-parts.js';
import type { Rng } from '../../lib/random.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Sample, Transform } from '../types.js';
import { FLIP_DIRECTIONS, flipRaster, mapRasters, type FlipDirection } from './raster.js';

export const RandomFlipOptions = defineOptions('RandomFlip', 'flip image and maps together with probability prob', {
  prob: required(probability, 'probability of flipping'),
  direction: option(choice(FLIP_DIRECTIONS), 'horizontal', 'horizontal: mirror left-right; vertical: upside down'),
});
export type RandomFlipOptions = OptionsInput<typeof RandomFlipOptions>;

/** Flips when u < prob (numpy `choice([direction, None], p=[prob, 1 − prob])`); sets `flip`. */
export class RandomFlip implements Transform {
  readonly type = 'RandomFlip';
  readonly prob: number;
  readonly direction: FlipDirection;

  constructor(options: RandomFlipOptions, ctx?: BuildContext) {
    const o = resolveOptions(RandomFlipOptions, options, ctx);
    this.prob = o.prob;
    this.direction = o.direction;
  }

  apply(sample: Sample, rng: Rng): Sample {
    if (rng.uniform() >= this.prob) return { ...sample, flip: false };
    return { ...mapRasters(sample, this.type, (r) => flipRaster(r, this.direction)), flip: true };
  }
}

registries.transform.register('RandomFlip', { schema: RandomFlipOptions, build: (o, ctx) => new RandomFlip(o, ctx) });
