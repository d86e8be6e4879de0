/**
 * The built-in synthetic depth dataset: ray-cast rooms with boxes and spheres (depth-scenes.ts), exact per-pixel
 * depth, small enough for a tiny model to train on a CPU in minutes. On first use a split is generated
 * deterministically from (seed, split) and cached in NYU's folder format (mmseg's tools/dataset_converters/nyu.py),
 * so NYUDataset reads it as well:
 * ```
 * data_root/images/{split}/{i:05d}.png        uint8 RGB
 * data_root/annotations/{split}/{i:05d}.png   uint16 depth in millimetres (depth_scale 1000), 0 = no ground truth
 * data_root/meta.json                         per split: generator version, settings and a sha256 of the files
 * ```
 * A cache whose settings or files do not match is regenerated, never reused (generated-split.ts). The camera has
 * NYU's focal length scaled to the image width (518.8579 · width / 640 px) and its principal point at the centre.
 */
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput, type ResolvedOptions } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { pairOf } from '../lib/config/schema-parts.js';
import { Rng } from '../lib/random.js';
import type { BuildContext } from '../lib/registry.js';
import { encodeDepthPng16, encodePng } from '../lib/viz/png.js';
import type { DepthDatasetOptions } from './depth.js';
import {
  randomDepthScene,
  renderDepthScene,
  type DepthScene,
  type DepthSceneOptions,
  type RenderedScene,
} from './depth-scenes.js';
import { registerDataset, sampleOptions } from './file-dataset.js';
import { ensureGeneratedSplit, seedOption, splitOptions, type SplitName, type SplitSettings } from './generated-split.js';
import { NYUDataset } from './nyu.js';

export const SYNTHETIC_DEPTH_DEFAULT_SAMPLES: Readonly<Record<SplitName, number>> = { train: 1000, val: 200 };

/** Raw PNG value / DEPTH_SCALE = metres (millimetres, as NYU). */
const DEPTH_SCALE = 1000;
/** Largest max_depth a 16-bit millimetre PNG holds. */
export const SYNTHETIC_MAX_DEPTH_LIMIT = 65.535;

export const SyntheticDepthDatasetOptions = defineOptions(
  'SyntheticDepthDataset',
  'built-in demo: ray-cast rooms with exact depth (NYU format, mm PNGs), generated once and cached',
  {
    data_root: option(Type.String(), join('data', 'synthetic_depth'), 'cache folder'),
    ...splitOptions(SYNTHETIC_DEPTH_DEFAULT_SAMPLES),
    img_size: option(
      pairOf(Type.Integer({ minimum: 8 })),
      [64, 96],
      '[height, width] (multiples of 32, as DPT-style decoders need)',
    ),
    max_objects: option(Type.Integer({ minimum: 0 }), 4, 'boxes and spheres per scene: 1..max_objects (0: empty rooms)'),
    max_depth: option(
      Type.Number({ exclusiveMinimum: 0, maximum: SYNTHETIC_MAX_DEPTH_LIMIT }),
      10,
      "metres (NYU's evaluation cap); farther surfaces have no ground truth (depth 0)",
    ),
    seed: seedOption,
    pipeline: sampleOptions.pipeline,
  },
);
export type SyntheticDepthDatasetOptions = OptionsInput<typeof SyntheticDepthDatasetOptions>;
/** Bumped whenever the rendering changes, so caches of an older generator are regenerated. */
const GENERATOR_VERSION = 1;
const SPLIT_SALT: Record<SplitName, number> = { train: 0x64747273, val: 0x64766c73 };

/** What a cached split was made with (its meta.json entry). */
interface SyntheticDepthSettings extends SplitSettings {
  img_size: [number, number];
  max_objects: number;
  max_depth: number;
}

/** A scene and its rendering. */
export interface SyntheticDepthSample extends RenderedScene {
  scene: DepthScene;
}

/** The samples of a split, in order: sample i is the same whatever the number of samples. */
export function* syntheticDepthScenes(
  split: SplitName,
  seed: number,
  options: DepthSceneOptions,
): Generator<SyntheticDepthSample> {
  const rng = new Rng(new Rng((seed ^ SPLIT_SALT[split]) >>> 0).nextUint32());
  for (;;) {
    const scene = randomDepthScene(rng, options);
    yield { scene, ...renderDepthScene(scene, options) };
  }
}

/** Make sure the cache of the split of `o` exists and matches its settings; the NYU folder options to read it. */
export function prepareSyntheticDepth(o: ResolvedOptions<typeof SyntheticDepthDatasetOptions>): DepthDatasetOptions {
  const { data_root: root, split } = o;
  const settings: SyntheticDepthSettings = {
    generator: GENERATOR_VERSION,
    seed: o.seed,
    count: o.num_samples ?? SYNTHETIC_DEPTH_DEFAULT_SAMPLES[split],
    img_size: o.img_size,
    max_objects: o.max_objects,
    max_depth: o.max_depth,
  };
  const [height, width] = settings.img_size;
  const dirs = { img: join('images', split), depth: join('annotations', split) };
  ensureGeneratedSplit({
    name: 'synthetic_depth',
    root,
    split,
    dirs: [dirs.img, dirs.depth],
    settings,
    samples: function* () {
      const scenes = { height, width, maxDepth: settings.max_depth, maxObjects: settings.max_objects };
      for (const s of syntheticDepthScenes(split, settings.seed, scenes)) {
        yield [encodePng(s.image), encodeDepthPng16(s.depth, DEPTH_SCALE)];
      }
    },
  });
  return {
    data_root: root,
    data_prefix: { img_path: dirs.img, depth_map_path: dirs.depth },
    img_suffix: '.png',
    depth_scale: DEPTH_SCALE,
    max_depth: settings.max_depth,
    eval_crop: null,
    pipeline: o.pipeline,
  };
}

/** NYUDataset over the generated cache: PNG images, millimetre depth, no evaluation crop (the maps are small). */
export class SyntheticDepthDataset extends NYUDataset {
  constructor(options: SyntheticDepthDatasetOptions = {}, ctx?: BuildContext) {
    super(prepareSyntheticDepth(resolveOptions(SyntheticDepthDatasetOptions, options, ctx)), ctx);
  }
}

registerDataset(SyntheticDepthDatasetOptions, (o, ctx) => new SyntheticDepthDataset(o, ctx));
