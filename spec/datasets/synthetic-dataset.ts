/**
 * A test-only dataset, registered globally as 'SpecSyntheticDataset', whose samples are generated in memory from
 * their index (no files): an [h, w, 3] uint8 image and an [h, w] label map, run through the configured pipeline.
 * Importing this module (in the main thread or, through the loader's `imports`, in a worker) registers it.
 * `syntheticStats.created` counts the samples this thread has generated.
 */
import { isMainThread } from 'node:worker_threads';
import type { ComponentConfig } from '../../lib/config/types.js';
import type { Rng } from '../../lib/random.js';
import { registries } from '../../lib/registry.js';
import { buildPipeline } from '../../datasets/schema.js';
import '../../datasets/transforms/index.js';
import type { Dataset, DatasetMeta, Sample, Transform } from '../../datasets/types.js';

export const SYNTHETIC_URL = import.meta.url;
export const syntheticStats = { created: 0 };

interface SyntheticOptions {
  length: number;
  height: number;
  width: number;
  pipeline: ComponentConfig[];
  /** get() of this index throws. */
  fail_index: number | null;
  /** Worker threads fail to build the dataset. */
  fail_in_worker: boolean;
}

const meta: DatasetMeta = {
  task: 'segmentation',
  classes: ['a', 'b', 'c', 'd', 'e'],
  palette: [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]],
  reduceZeroLabel: false,
  ignoreIndex: 255,
};

class SyntheticDataset implements Dataset {
  readonly meta = meta;

  constructor(
    private readonly options: SyntheticOptions,
    private readonly pipeline: Transform[],
  ) {}

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
    for (const t of this.pipeline) sample = await t.apply(sample, rng);
    return sample;
  }
}

registries.dataset.register<SyntheticOptions>('SpecSyntheticDataset', {
  description: 'test-only: images generated from the index',
  schema: {
    properties: {
      length: { type: 'integer', minimum: 0 },
      height: { type: 'integer', minimum: 1, default: 6 },
      width: { type: 'integer', minimum: 1, default: 8 },
      pipeline: { type: 'array', items: { component: 'transform' }, default: [] },
      fail_index: { type: ['integer', 'null'], default: null },
      fail_in_worker: { type: 'boolean', default: false },
    },
    required: ['length'],
  },
  build: (o, ctx) => {
    if (o.fail_in_worker && !isMainThread) throw new Error('no such directory: synthetic/');
    return new SyntheticDataset(o, buildPipeline(o.pipeline, ctx));
  },
});
