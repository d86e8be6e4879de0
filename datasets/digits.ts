/**
 * The built-in demo dataset: scenes of real MNIST digits (digit-scenes.ts), 11 classes (background, '0'..'9').
 * On first use a split is generated deterministically from (seed, split), training scenes from MNIST's training
 * digits and val scenes from its test digits, and cached in the folder format:
 * ```
 * data_root/img_dir/{split}/{i:05d}.png   uint8 RGB
 * data_root/ann_dir/{split}/{i:05d}.png   class ids
 * data_root/meta.json                     per split: generator version, settings and a sha256 of the files
 * ```
 * A cache whose settings or files do not match is regenerated, never reused (generated-split.ts); then it is read as
 * any folder dataset.
 */
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput, type ResolvedOptions } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { positiveInt } from '../lib/config/schema-parts.js';
import { Rng } from '../lib/random.js';
import type { BuildContext } from '../lib/registry.js';
import { encodeLabelPng, encodePng } from '../lib/viz/png.js';
import { BaseSegDataset, type BaseSegDatasetOptions } from './base.js';
import { drawScene, type DigitScene, type SceneOptions } from './digit-scenes.js';
import { registerDataset, sampleOptions } from './file-dataset.js';
import { ensureGeneratedSplit, seedOption, splitOptions, type SplitName, type SplitSettings } from './generated-split.js';
import type { Rgb } from './meta.js';
import { readMnist } from './mnist.js';

export const DIGITS_CLASSES: readonly string[] = ['background', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const DIGITS_PALETTE: readonly Rgb[] = [
  [0, 0, 0], [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75],
  [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

export const DIGITS_DEFAULT_SAMPLES: Readonly<Record<SplitName, number>> = { train: 2000, val: 300 };

export const DigitsDatasetOptions = defineOptions(
  'DigitsDataset',
  'built-in demo: scenes of real MNIST digits, 11 classes, generated once and cached',
  {
    data_root: option(Type.String(), join('data', 'digits'), 'cache folder'),
    ...splitOptions(DIGITS_DEFAULT_SAMPLES),
    img_size: option(Type.Integer({ minimum: 8 }), 64, 'side of the square scenes, pixels'),
    max_digits: option(positiveInt, 4, 'digits per scene: 1..max_digits'),
    seed: seedOption,
    pipeline: sampleOptions.pipeline,
  },
);
export type DigitsDatasetOptions = OptionsInput<typeof DigitsDatasetOptions>;

/** Bumped whenever the drawing changes, so caches of an older generator are regenerated. */
const GENERATOR_VERSION = 5;
const SPLIT_SALT: Record<SplitName, number> = { train: 0x74726e, val: 0x76616c };

/** What a cached split was made with (its meta.json entry). */
interface DigitsSettings extends SplitSettings {
  img_size: number;
  max_digits: number;
  mnist: 'train' | 't10k';
}

/** The scenes of a split, in order: scene i is the same whatever the number of samples. */
export function* digitScenes(split: SplitName, seed: number, options: SceneOptions): Generator<DigitScene> {
  const mnist = readMnist(split === 'train' ? 'train' : 't10k');
  const rng = new Rng(new Rng((seed ^ SPLIT_SALT[split]) >>> 0).nextUint32());
  for (;;) yield drawScene(rng, mnist, options);
}

/** Make sure the cache of the split of `o` exists and matches its settings; the folder options to read it. */
export function prepareDigits(o: ResolvedOptions<typeof DigitsDatasetOptions>): BaseSegDatasetOptions {
  const { data_root: root, split } = o;
  const settings: DigitsSettings = {
    generator: GENERATOR_VERSION,
    seed: o.seed,
    count: o.num_samples ?? DIGITS_DEFAULT_SAMPLES[split],
    img_size: o.img_size,
    max_digits: o.max_digits,
    mnist: split === 'train' ? 'train' : 't10k',
  };
  const dirs = { img: join('img_dir', split), ann: join('ann_dir', split) };
  ensureGeneratedSplit({
    name: 'digits',
    root,
    split,
    dirs: [dirs.img, dirs.ann],
    settings,
    samples: function* () {
      const drawing = { imgSize: settings.img_size, maxDigits: settings.max_digits };
      for (const scene of digitScenes(split, settings.seed, drawing)) yield [encodePng(scene.image), encodeLabelPng(scene.label)];
    },
  });
  return {
    data_root: root,
    data_prefix: { img_path: dirs.img, seg_map_path: dirs.ann },
    img_suffix: '.png',
    metainfo: { classes: [...DIGITS_CLASSES], palette: [...DIGITS_PALETTE] },
    pipeline: o.pipeline,
  };
}

/** The generated cache, read as a folder dataset with the digits' classes. */
export class DigitsDataset extends BaseSegDataset {
  constructor(options: DigitsDatasetOptions = {}, ctx?: BuildContext) {
    super(prepareDigits(resolveOptions(DigitsDatasetOptions, options, ctx)), ctx);
  }
}

registerDataset(DigitsDatasetOptions, (o, ctx) => new DigitsDataset(o, ctx));
