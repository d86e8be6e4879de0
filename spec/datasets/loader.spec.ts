import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../lib/config/errors.js';
import type { ComponentConfig } from '../../lib/config/types.js';
import { DataLoader, type Batch, type DataLoaderOptions } from '../../datasets/loader.js';
import { collate } from '../../datasets/loader/batch.js';
import type { DatasetMeta, Sample } from '../../datasets/types.js';
import { SYNTHETIC_URL, syntheticStats } from './synthetic-dataset.js';

/** mmseg's ADE20K-style train pipeline, scaled down to the 6×8 synthetic images. */
const augment: ComponentConfig[] = [
  { type: 'RandomResize', scale: [16, 6], ratio_range: [0.5, 2.0], keep_ratio: true },
  { type: 'RandomCrop', crop_size: [4, 4], cat_max_ratio: 0.75 },
  { type: 'RandomFlip', prob: 0.5 },
  { type: 'PhotoMetricDistortion' },
  { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
  { type: 'Pad', size: [4, 4] },
];

function dataset(options: Record<string, unknown> = {}): ComponentConfig {
  return { type: 'SpecSyntheticDataset', length: 10, pipeline: augment, ...options } as ComponentConfig;
}

const open: DataLoader[] = [];

async function loader(options: Partial<DataLoaderOptions> = {}): Promise<DataLoader> {
  const l = await DataLoader.create({ datasetConfig: dataset(), batchSize: 4, imports: [SYNTHETIC_URL], ...options });
  open.push(l);
  return l;
}

async function take(batches: AsyncIterable<Batch>, n = Infinity): Promise<Batch[]> {
  const out: Batch[] = [];
  if (n === 0) return out;
  for await (const batch of batches) {
    out.push(batch);
    if (out.length === n) break;
  }
  return out;
}

/** Every byte and meta field of a batch, for exact comparison. */
function fingerprint(b: Batch): string {
  const bytes = (a?: ArrayBufferView) =>
    a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') : '-';
  return JSON.stringify([b.shape, b.samples, bytes(b.images), bytes(b.labels), bytes(b.depths)]);
}

const indices = (batches: Batch[]) => batches.map((b) => b.samples.map((s) => s.index));

describe('DataLoader', () => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
  });

  it('collates NHWC float32 images, uint8 labels and each sample meta', async () => {
    const [batch] = await take((await loader({ seed: 1 })).epoch(0), 1);
    expect(batch.shape).to.deep.equal([4, 4, 4, 3]);
    expect(batch.images).to.be.instanceOf(Float32Array).with.length(4 * 4 * 4 * 3);
    expect(batch.labels).to.be.instanceOf(Uint8Array).with.length(4 * 4 * 4);
    expect(batch.labelShape).to.deep.equal([4, 4, 4]);
    expect(batch.depths).to.equal(undefined);
    expect(batch.samples[1]).to.include({ index: 1, imgPath: 'synthetic/1.png', segMapPath: 'synthetic/1_seg.png' });
    expect(batch.samples[1].oriShape).to.deep.equal([6, 8]);
    expect(batch.samples[1].padShape).to.deep.equal([4, 4]);
    expect(batch.samples[1].flip).to.be.a('boolean');
  });

  it('converts uint8 images to float32 without scaling', async () => {
    const l = await loader({ datasetConfig: dataset({ pipeline: [] }), batchSize: 2 });
    const [batch] = await take(l.epoch(0), 1);
    expect(Array.from(batch.images.subarray(0, 3))).to.deep.equal([0, 7, 14]);
    expect(Array.from(batch.images.subarray(6 * 8 * 3, 6 * 8 * 3 + 2))).to.deep.equal([31, 38]);
  });

  it('gives byte-identical batches for the same seed with 0 and 2 workers', async () => {
    const options = { shuffle: true, seed: 7 };
    const inProcess = await loader(options);
    const threaded = await loader({ ...options, numWorkers: 2 });
    for (const epoch of [0, 1]) {
      const a = (await take(inProcess.epoch(epoch))).map(fingerprint);
      const b = (await take(threaded.epoch(epoch))).map(fingerprint);
      expect(a).to.have.length(3);
      expect(b).to.deep.equal(a);
    }
  });

  it('changes order and augmentation with the seed and the epoch', async () => {
    const a = await take((await loader({ shuffle: true, seed: 1 })).epoch(0));
    const b = await take((await loader({ shuffle: true, seed: 2 })).epoch(0));
    const a1 = await take((await loader({ shuffle: true, seed: 1 })).epoch(1));
    expect(indices(a)).to.not.deep.equal(indices(b));
    expect(indices(a)).to.not.deep.equal(indices(a1));
    // Same order, other seed: the augmentations differ.
    const c = await take((await loader({ seed: 1 })).epoch(0));
    const d = await take((await loader({ seed: 2 })).epoch(0));
    expect(indices(c)).to.deep.equal(indices(d));
    expect(c.map(fingerprint)).to.not.deep.equal(d.map(fingerprint));
  });

  it('visits every sample once per epoch: in order without shuffle, a permutation with it', async () => {
    const plain = await loader();
    expect(plain.length).to.equal(3);
    expect(indices(await take(plain.epoch(0)))).to.deep.equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const shuffled = indices(await take((await loader({ shuffle: true, seed: 3 })).epoch(0)));
    expect(shuffled.map((b) => b.length)).to.deep.equal([4, 4, 2]);
    expect(shuffled.flat().sort((x, y) => x - y)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const dropped = await loader({ dropLast: true });
    expect(dropped.length).to.equal(2);
    expect(indices(await take(dropped.epoch(0)))).to.deep.equal([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('iterates endlessly over concatenated epochs, and resumes at batch k exactly', async () => {
    const l = await loader({ shuffle: true, seed: 5 });
    const stream = await take(l.iterate(), 7);
    const [e0, e1, e2] = await Promise.all([0, 1, 2].map(async (e) => indices(await take(l.epoch(e))).flat()));
    expect(indices(stream).flat()).to.deep.equal([...e0, ...e1, ...e2].slice(0, 28));
    expect(stream.every((b) => b.shape[0] === 4)).to.equal(true);
    const resumed = await take(l.iterate(4), 3);
    expect(resumed.map(fingerprint)).to.deep.equal(stream.slice(4).map(fingerprint));
    const threaded = await loader({ shuffle: true, seed: 5, numWorkers: 2 });
    expect((await take(threaded.iterate(4), 3)).map(fingerprint)).to.deep.equal(stream.slice(4).map(fingerprint));
  });

  for (const numWorkers of [0, 2]) {
    it(`reports a failing sample to the consumer, naming its file (${numWorkers} workers)`, async () => {
      const l = await loader({ datasetConfig: dataset({ fail_index: 6 }), numWorkers });
      const seen: number[][] = [];
      let error: Error | undefined;
      try {
        for await (const batch of l.epoch(0)) seen.push(batch.samples.map((s) => s.index));
      } catch (err) {
        error = err as Error;
      }
      expect(seen).to.deep.equal([[0, 1, 2, 3]]);
      expect(error?.message).to.equal('cannot load sample 6 (synthetic/6.png): corrupt PNG data');
    });
  }

  it('reports a worker that cannot build the dataset', async () => {
    const l = await loader({ datasetConfig: dataset({ fail_in_worker: true }), numWorkers: 1 });
    const error = await take(l.epoch(0)).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).to.match(/^cannot load sample 0 \(synthetic\/0.png\): cannot build the dataset: /);
    expect(error?.message).to.contain('no such directory: synthetic/');
  });

  it('loads only prefetch batches ahead of the consumer, and has them ready', async () => {
    for (const prefetch of [0, 2]) {
      const l = await loader({ datasetConfig: dataset({ length: 40 }), prefetch });
      syntheticStats.created = 0;
      let k = 0;
      for await (const batch of l.epoch(0)) {
        // While the consumer holds batch k, batches k+1..k+prefetch load: no more samples than that exist.
        await sleep(5);
        expect(syntheticStats.created, `batch ${k}`).to.equal(Math.min(40, (k + 1 + prefetch) * 4));
        expect(batch.shape[0]).to.equal(4);
        k++;
      }
      expect(k).to.equal(10);
    }
  });

  it('refuses to batch samples of different sizes, suggesting RandomCrop and Pad', async () => {
    const pipeline = [{ type: 'RandomResize', scale: [16, 6], ratio_range: [0.5, 2.0], keep_ratio: true }];
    const l = await loader({ datasetConfig: dataset({ pipeline }), seed: 1 });
    const error = await take(l.epoch(0)).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).to.match(/^cannot batch samples of different sizes: the image of synthetic\/0.png is \d+x/);
    expect(error?.message).to.contain('RandomCrop and Pad');
  });

  it('fails on a bad config before loading anything', async () => {
    const bad = { type: 'SpecSyntheticDataset', length: 2, pipeline: [{ type: 'RandomFlip' }] } as ComponentConfig;
    await DataLoader.create({ datasetConfig: bad, batchSize: 1 }).then(
      () => expect.fail('created'),
      (err: Error) => {
        expect(err).to.be.instanceOf(ConfigError);
        expect(err.message).to.equal("dataset.pipeline.0: missing required key 'prob'");
      },
    );
    await DataLoader.create({ datasetConfig: dataset(), batchSize: 0 }).then(
      () => expect.fail('created'),
      (err: Error) => expect(err.message).to.equal('DataLoader: batchSize must be an integer ≥ 1, got 0'),
    );
  });

  it('fails iterators after close()', async () => {
    const l = await loader({ numWorkers: 1 });
    await l.close();
    const error = await take(l.epoch(0)).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.message).to.equal('cannot load sample 0 (synthetic/0.png): the DataLoader was closed');
  });
});

describe('collate', () => {
  const meta: DatasetMeta = { task: 'depth', classes: [], palette: [], reduceZeroLabel: false, ignoreIndex: 255 };
  const sample = (index: number, h: number, w: number, map: { h: number; w: number; v: number }): Sample => ({
    index,
    imgPath: `${index}.png`,
    meta,
    img: { data: new Uint8Array(h * w).fill(index), height: h, width: w, channels: 1 },
    gtDepthMap: { data: new Float32Array(map.h * map.w).fill(map.v), height: map.h, width: map.w },
  });

  it('keeps maps at their own size when annotations are loaded after Resize (test pipelines)', () => {
    const batch = collate([sample(1, 2, 3, { h: 4, w: 6, v: 0.5 }), sample(2, 2, 3, { h: 4, w: 6, v: 2 })]);
    expect(batch.shape).to.deep.equal([2, 2, 3, 1]);
    expect(Array.from(batch.images)).to.deep.equal([...new Array(6).fill(1), ...new Array(6).fill(2)]);
    expect(batch.depthShape).to.deep.equal([2, 4, 6]);
    expect(Array.from(batch.depths!)).to.deep.equal([...new Array(24).fill(0.5), ...new Array(24).fill(2)]);
    expect(batch.labels).to.equal(undefined);
  });

  it('names both files when maps differ in size or only some samples have one', () => {
    expect(() => collate([sample(1, 2, 3, { h: 4, w: 6, v: 0 }), sample(2, 2, 3, { h: 4, w: 5, v: 0 })])).to.throw(
      'the depth map of 1.png is 4x6x1, that of 2.png 4x5x1',
    );
    const bare = { ...sample(2, 2, 3, { h: 2, w: 3, v: 0 }), gtDepthMap: undefined };
    expect(() => collate([sample(1, 2, 3, { h: 2, w: 3, v: 0 }), bare])).to.throw(
      'cannot batch 1.png, which has a depth map, with 2.png, which has none',
    );
  });
});
