/**
 * A test-only dataset, registered globally as 'SpecSyntheticDataset', whose samples are generated in memory from
 * their index (no files): an [h, w, 3] uint8 image and an [h, w] label map, run through the configured pipeline.
 * Importing this module (in the main thread or, through the loader's `imports`, in a worker) registers it.
 * `syntheticStats.created` counts the samples this thread has generated.
 */
import { isMainThread } from 'node:worker_threads';
import { Type } from '@sinclair/typebox';
import { component, defineOptions, nullable, option, required, type OptionsInput, type ResolvedOptions } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import type { Rng } from '../../lib/random.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import '../../datasets/transforms/index.js';
import type { Dataset, DatasetMeta, Sample } from '../../datasets/types.js';

export const SYNTHETIC_URL = import.meta.url;
export const syntheticStats = { created: 0 };

const SyntheticOptions = defineOptions('SpecSyntheticDataset', 'test-only: images generated from the index', {
  length: required(Type.Integer({ minimum: 0 }), 'samples'),
  height: option(Type.Integer({ minimum: 1 }), 6, 'image height'),
  width: option(Type.Integer({ minimum: 1 }), 8, 'image width'),
  pipeline: option(Type.Array(component('transform')), [], 'transforms'),
  fail_index: option(nullable(Type.Integer()), null, 'get() of this index throws'),
  fail_in_worker: option(Type.Boolean(), false, 'worker threads fail to build the dataset'),
});

const meta: DatasetMeta = {
  task: 'segmentation',
  classes: ['a', 'b', 'c', 'd', 'e'],
  palette: [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]],
  reduceZeroLabel: false,
  ignoreIndex: 255,
};

class SyntheticDataset implements Dataset {
  readonly meta = meta;
  private readonly options: ResolvedOptions<typeof SyntheticOptions>;

  constructor(options: OptionsInput<typeof SyntheticOptions>, ctx: BuildContext) {
    this.options = resolveOptions(SyntheticOptions, options, ctx);
    if (this.options.fail_in_worker && !isMainThread) throw new Error('no such directory: synthetic/');
  }

  get length(): number {
    return this.options.length;
  }

  info(index: number): Sample {
    return { index, imgPath: `synthetic/${index}.png`, segMapPath: `synthetic/${index}_seg.png`, meta };
  }

  async get(index: number, rng: Rng): Promise<Sample> {
    if (index === this.options.fail_index) throw new Error('corrupt PNG data');
    const { height: h, width: w } = this.options;
    const img = Uint8Array.from({ length: h * w * 3 }, (_, i) => (index * 31 + i * 7) % 256);
    const labels = Uint8Array.from({ length: h * w }, (_, i) => ((index + i) % 6 === 5 ? 255 : (index + i) % 6));
    let sample: Sample = {
      ...this.info(index),
      img: { data: img, height: h, width: w, channels: 3 },
      gtSegMap: { data: labels, height: h, width: w },
      oriShape: [h, w],
    };
    syntheticStats.created++;
    for (const t of this.options.pipeline) sample = await t.apply(sample, rng);
    return sample;
  }
}

registries.dataset.register('SpecSyntheticDataset', {
  schema: SyntheticOptions,
  build: (o, ctx) => new SyntheticDataset(o, ctx),
});
