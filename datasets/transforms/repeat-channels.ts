/** A grey image repeated to `channels` (TransUNet feeds its CT slices as `input.expand(B, 3, H, W)`). */
import { defineOptions, option, type OptionsInput } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import { positiveInt } from '../../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Sample, Transform } from '../types.js';
import { allocLike, requireImage } from './raster.js';

export const RepeatChannelsOptions = defineOptions('RepeatChannels', 'a 1-channel image repeated to `channels`', {
  channels: option(positiveInt, 3, 'channels of the output image'),
});
export type RepeatChannelsOptions = OptionsInput<typeof RepeatChannelsOptions>;

export class RepeatChannels implements Transform {
  readonly type = 'RepeatChannels';
  readonly channels: number;

  constructor(options: RepeatChannelsOptions = {}, ctx?: BuildContext) {
    this.channels = resolveOptions(RepeatChannelsOptions, options, ctx).channels;
  }

  apply(sample: Sample): Sample {
    const img = requireImage(sample, this.type);
    if (img.channels === this.channels) return sample;
    if (img.channels !== 1) {
      throw new Error(`RepeatChannels: ${sample.imgPath} has ${img.channels} channels; only a 1-channel image is repeated to ${this.channels}`);
    }
    const c = this.channels;
    const data = allocLike(img.data, img.data.length * c);
    for (let p = 0; p < img.data.length; p++) data.fill(img.data[p]!, p * c, (p + 1) * c);
    return { ...sample, img: { ...img, data, channels: c } };
  }
}

registries.transform.register('RepeatChannels', { schema: RepeatChannelsOptions, build: (o, ctx) => new RepeatChannels(o, ctx) });
