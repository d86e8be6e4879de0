/**
 * The 3D pipeline's transforms on a sample's `img3d` and `gtSeg3d` (nnU-Net's preprocessing and augmentation), each
 * registered with its options: intensity window (CT) or z-score (MRI), resampling to a voxel spacing, padding to a
 * patch, random patches with foreground oversampling, random flips and quarter turns. See volume-ops.ts.
 */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, required, type OptionsInput } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import { positive, positiveInt, probability } from '../../lib/config/schema-parts.js';
import type { Rng } from '../../lib/random.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Grid3, Sample, Shape3, Transform } from '../types.js';
import { crop3d, flip3d, padToPatch, randomCropStart, resampleToSpacing, rot90HW, windowIntensity, zScore } from './volume-ops.js';

const triple = <T extends typeof positive | typeof positiveInt>(t: T) => Type.Tuple([t, t, t]);

function requireVolume(sample: Sample, transform: string): Grid3<Float32Array> {
  if (sample.img3d === undefined) {
    throw new Error(`${transform}: ${sample.imgPath} has no volume yet (put LoadBiomedicalImageFromFile before ${transform})`);
  }
  return sample.img3d;
}

/** The sample with `image` and `label` (when it has one) replaced. */
function withVolumes(sample: Sample, image: Grid3<Float32Array>, label?: Grid3<Uint8Array>): Sample {
  return { ...sample, img3d: image, ...(label === undefined ? {} : { gtSeg3d: label }) };
}

export const IntensityWindowOptions = defineOptions('IntensityWindow', 'clip intensities to a window and scale it to [0, 1] (CT)', {
  window: option(Type.Tuple([Type.Number(), Type.Number()]), [-125, 275], 'the [low, high] intensities kept (HU for CT)'),
});
export class IntensityWindow implements Transform {
  readonly type = 'IntensityWindow';
  readonly window: [number, number];
  constructor(options: OptionsInput<typeof IntensityWindowOptions> = {}, ctx?: BuildContext) {
    this.window = resolveOptions(IntensityWindowOptions, options, ctx).window;
  }
  apply(sample: Sample): Sample {
    return { ...sample, img3d: windowIntensity(requireVolume(sample, this.type), this.window) };
  }
}

export const ZScoreNormalizeOptions = defineOptions('ZScoreNormalize', '(x − mean) / std per channel (MRI)', {
  nonzero: option(Type.Boolean(), false, 'compute the statistics over non-zero voxels only (skull-stripped brains)'),
});
export class ZScoreNormalize implements Transform {
  readonly type = 'ZScoreNormalize';
  readonly nonzero: boolean;
  constructor(options: OptionsInput<typeof ZScoreNormalizeOptions> = {}, ctx?: BuildContext) {
    this.nonzero = resolveOptions(ZScoreNormalizeOptions, options, ctx).nonzero;
  }
  apply(sample: Sample): Sample {
    const img = requireVolume(sample, this.type);
    const mask = this.nonzero ? Uint8Array.from({ length: img.data.length / img.channels }, (_, v) => (img.data[v * img.channels] !== 0 ? 1 : 0)) : undefined;
    return { ...sample, img3d: zScore(img, mask) };
  }
}

export const ResampleToSpacingOptions = defineOptions('ResampleToSpacing', 'resample to a voxel spacing: trilinear image, nearest labels', {
  spacing: required(triple(positive), 'the target [d, h, w] voxel size in mm'),
});
export class ResampleToSpacing implements Transform {
  readonly type = 'ResampleToSpacing';
  readonly spacing: Shape3;
  constructor(options: OptionsInput<typeof ResampleToSpacingOptions>, ctx?: BuildContext) {
    this.spacing = resolveOptions(ResampleToSpacingOptions, options, ctx).spacing;
  }
  apply(sample: Sample): Sample {
    const img = requireVolume(sample, this.type);
    const from = sample.spacing ?? sample.geometry?.spacing;
    if (from === undefined) throw new Error(`${this.type}: ${sample.imgPath} has no voxel spacing`);
    const label = sample.gtSeg3d && resampleToSpacing(sample.gtSeg3d, from, this.spacing, 'nearest');
    const image = resampleToSpacing(img, from, this.spacing, 'trilinear');
    // the grid's exact voxel size: the extent kept over the rounded voxel count
    const spacing = image.shape.map((n, a) => (img.shape[a]! * from[a]!) / n) as Shape3;
    return { ...withVolumes(sample, image, label), spacing };
  }
}

export const RandomCrop3DOptions = defineOptions(
  'RandomCrop3D',
  "a random [d, h, w] patch, a third of them around a foreground voxel (nnU-Net's oversampling); small volumes are padded",
  {
    crop_size: required(triple(positiveInt), 'the [d, h, w] patch'),
    foreground_prob: option(probability, 1 / 3, 'share of patches forced to contain a voxel of a random foreground class'),
  },
);
export class RandomCrop3D implements Transform {
  readonly type = 'RandomCrop3D';
  readonly cropSize: Shape3;
  readonly foregroundProb: number;
  constructor(options: OptionsInput<typeof RandomCrop3DOptions>, ctx?: BuildContext) {
    const o = resolveOptions(RandomCrop3DOptions, options, ctx);
    [this.cropSize, this.foregroundProb] = [o.crop_size, o.foreground_prob];
  }
  apply(sample: Sample, rng: Rng): Sample {
    const img = padToPatch(requireVolume(sample, this.type), this.cropSize);
    const label = sample.gtSeg3d && padToPatch(sample.gtSeg3d, this.cropSize);
    const none: Grid3<Uint8Array> = { data: new Uint8Array(img.data.length / img.channels), shape: img.shape, channels: 1 };
    const start = randomCropStart(label ?? none, this.cropSize, rng, this.foregroundProb);
    return withVolumes(sample, crop3d(img, start, this.cropSize), label && crop3d(label, start, this.cropSize));
  }
}

export const RandomFlip3DOptions = defineOptions('RandomFlip3D', 'mirror each axis with probability prob (nnU-Net)', {
  prob: option(probability, 0.5, 'probability of mirroring each axis'),
  axes: option(Type.Array(Type.Integer({ minimum: 0, maximum: 2 })), [0, 1, 2], 'the axes that may be mirrored (0 = D, 1 = H, 2 = W)'),
});
export class RandomFlip3D implements Transform {
  readonly type = 'RandomFlip3D';
  readonly prob: number;
  readonly axes: number[];
  constructor(options: OptionsInput<typeof RandomFlip3DOptions> = {}, ctx?: BuildContext) {
    const o = resolveOptions(RandomFlip3DOptions, options, ctx);
    [this.prob, this.axes] = [o.prob, o.axes];
  }
  apply(sample: Sample, rng: Rng): Sample {
    const axes = this.axes.filter(() => rng.uniform() < this.prob);
    const label = sample.gtSeg3d && flip3d(sample.gtSeg3d, axes);
    return withVolumes(sample, flip3d(requireVolume(sample, this.type), axes), label);
  }
}

export const RandomRotate90Options = defineOptions('RandomRotate90', 'turn the (H, W) plane by k quarter turns, k uniform in 0..3', {
  prob: option(probability, 0.5, 'probability of a turn'),
});
export class RandomRotate90 implements Transform {
  readonly type = 'RandomRotate90';
  readonly prob: number;
  constructor(options: OptionsInput<typeof RandomRotate90Options> = {}, ctx?: BuildContext) {
    this.prob = resolveOptions(RandomRotate90Options, options, ctx).prob;
  }
  /** Odd turns swap H and W, so a non-square plane only turns by 0 or 2. */
  apply(sample: Sample, rng: Rng): Sample {
    const img = requireVolume(sample, this.type);
    if (rng.uniform() >= this.prob) return sample;
    const k = img.shape[1] === img.shape[2] ? rng.int(4) : 2 * rng.int(2);
    return withVolumes(sample, rot90HW(img, k), sample.gtSeg3d && rot90HW(sample.gtSeg3d, k));
  }
}

export const Pad3DOptions = defineOptions('Pad3D', 'pad (centred, zeros) so that every axis is at least size', {
  size: required(triple(positiveInt), 'the minimum [d, h, w]'),
});
export class Pad3D implements Transform {
  readonly type = 'Pad3D';
  readonly size: Shape3;
  constructor(options: OptionsInput<typeof Pad3DOptions>, ctx?: BuildContext) {
    this.size = resolveOptions(Pad3DOptions, options, ctx).size;
  }
  apply(sample: Sample): Sample {
    const label = sample.gtSeg3d && padToPatch(sample.gtSeg3d, this.size);
    return withVolumes(sample, padToPatch(requireVolume(sample, this.type), this.size), label);
  }
}

for (const [schema, cls] of [
  [IntensityWindowOptions, IntensityWindow], [ZScoreNormalizeOptions, ZScoreNormalize], [ResampleToSpacingOptions, ResampleToSpacing],
  [RandomCrop3DOptions, RandomCrop3D], [RandomFlip3DOptions, RandomFlip3D], [RandomRotate90Options, RandomRotate90], [Pad3DOptions, Pad3D],
] as const) {
  registries.transform.register(schema.title!, { schema, build: (o, ctx) => new (cls as new (o: unknown, ctx?: BuildContext) => Transform)(o, ctx) });
}
