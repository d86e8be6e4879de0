/**
 * SynapseDataset on a small TransUNet layout written by SliceLayoutWriter: .npz training slices, .npy.h5 test volumes
 * read slice by slice, the errors on bad files, and the volume evaluation (slices put back into their volumes, Dice
 * and HD95 per organ) with a model whose predictions are known.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../lib/components.js';
import '../../datasets/index.js';
import { DataLoader } from '../../datasets/loader.js';
import { buildDataset } from '../../datasets/loader/build.js';
import { writeH5 } from '../../datasets/medical/h5.js';
import { writeNpz } from '../../datasets/medical/npz.js';
import { SliceLayoutWriter } from '../../datasets/medical/slice-layout.js';
import type { Dataset } from '../../datasets/types.js';
import { evaluateVolumes } from '../../lib/engine/evaluate-volumes.js';
import { DiceHD95Metric } from '../../lib/metrics/dice-hd95-metric.js';
import { Rng } from '../../lib/random.js';
import type { Segmentor } from '../../lib/segmentors/types.js';

const [H, W] = [12, 10];
const root = mkdtempSync(join(tmpdir(), 'segvit-synapse-'));

/** A [d, H, W] case whose label is organ `organs[z % n]` in a block of each slice, and whose image is label / 8. */
function makeCase(d: number, organs: number[]): { image: Float32Array; label: Uint8Array } {
  const label = new Uint8Array(d * H * W);
  for (let z = 0; z < d; z++) {
    for (let y = 3; y < 8; y++) for (let x = 2 + z; x < 7 + z; x++) label[(z * H + y) * W + x] = organs[z % organs.length]!;
  }
  return { image: Float32Array.from(label, (v) => v / 8), label };
}

const LOAD = [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations' }];
const trainCfg = (extra = {}) => ({ type: 'SynapseDataset', data_root: root, pipeline: LOAD, ...extra });
const testCfg = (extra = {}) => ({
  ...trainCfg(),
  data_prefix: { img_path: 'test_vol_h5', seg_map_path: 'test_vol_h5' },
  img_suffix: '.npy.h5',
  seg_map_suffix: '.npy.h5',
  ann_file: 'lists/lists_Synapse/test_vol.txt',
  ...extra,
});

/** A segmentor stub whose logits pick class round(8 · image): perfect on these cases. */
function labelReader(): Segmentor {
  const model = {
    training: false,
    eval: () => model,
    train: () => model,
    dataPreprocessor: { forward: (x: tf.Tensor4D) => ({ images: x }) },
    decodeHead: { alignCorners: false },
    predict: (x: tf.Tensor4D) =>
      tf.tidy(() => tf.mul(tf.oneHot(tf.cast(tf.round(tf.mul(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), 8)), 'int32').squeeze([3]), 9), 10)),
  };
  return model as unknown as Segmentor;
}

describe('SynapseDataset (TransUNet layout)', function () {
  this.timeout(60000);

  before(async () => {
    const writer = new SliceLayoutWriter(root);
    await writer.add({ name: 'case0005', split: 'train', shape: [3, H, W], ...makeCase(3, [1, 5, 8]) });
    await writer.add({ name: 'case0001', split: 'test', shape: [4, H, W], ...makeCase(4, [1, 2]) });
    await writer.add({ name: 'case0002', split: 'test', shape: [2, H, W], ...makeCase(2, [2]) });
    expect(writer.finish()).to.deep.equal({ trainSlices: 3, testCases: 2 });
  });

  it('reads each training slice from its .npz: float image [H, W, 1] and class ids', async () => {
    const ds = await buildDataset(trainCfg(), 'dataset');
    expect(ds.length).to.equal(3);
    expect(ds.info(2).imgPath).to.equal(join(root, 'train_npz', 'case0005_slice002.npz'));
    const s = await ds.get(1, new Rng(0));
    expect([s.img!.height, s.img!.width, s.img!.channels]).to.deep.equal([H, W, 1]);
    expect(s.img!.data).to.be.instanceOf(Float32Array);
    expect(s.img!.data[4 * W + 3]).to.equal(5 / 8);
    expect(s.gtSegMap!.data[4 * W + 3]).to.equal(5);
    expect(s.gtSegMap!.data[0]).to.equal(0);
  });

  it('lists the test volumes slice by slice, each sample knowing its case', async () => {
    const ds = await buildDataset(testCfg(), 'dataset');
    expect(ds.length).to.equal(6);
    expect(ds.info(3).volume).to.deep.equal({ name: 'case0001', slice: 3, slices: 4 });
    expect(ds.info(5).volume).to.deep.equal({ name: 'case0002', slice: 1, slices: 2 });
    const s = await ds.get(3, new Rng(0));
    expect(s.gtSegMap!.data[4 * W + 6]).to.equal(2);
    expect(s.volume!.name).to.equal('case0001');
  });

  it('evaluates whole volumes: perfect slices give Dice 1 and HD95 0, organs absent from both count (0, 0)', async () => {
    const loader = await DataLoader.create({ datasetConfig: testCfg(), batchSize: 4 });
    const metric = new DiceHD95Metric();
    const result = await evaluateVolumes(labelReader(), loader, metric);
    expect(result.perCase.map((c) => c.name)).to.deep.equal(['case0001', 'case0002']);
    const [c1, c2] = result.perCase;
    expect(c1!.dice.slice(0, 3)).to.deep.equal([1, 1, 0]);
    expect(c2!.dice.slice(0, 3)).to.deep.equal([0, 1, 0]);
    expect(c1!.hd95.every((v) => v === 0)).to.equal(true);
    expect(result.perClass.map((c) => c.dice)).to.deep.equal([0.5, 1, 0, 0, 0, 0, 0, 0]);
    expect(result.mDice).to.be.closeTo(1.5 / 8, 1e-12);
  });

  it('a label value beyond the classes names the file and the value', async () => {
    const label = new Float32Array(H * W).fill(0);
    label[7] = 12;
    writeNpz(join(root, 'train_npz', 'bad_slice000.npz'), {
      image: { data: new Float32Array(H * W), shape: [H, W] },
      label: { data: label, shape: [H, W] },
    });
    const ds: Dataset = await buildDataset(trainCfg({ ann_file: '' }), 'dataset');
    const bad = [...Array(ds.length).keys()].find((i) => ds.info(i).imgPath.includes('bad_slice000'))!;
    let error: Error | undefined;
    await ds.get(bad, new Rng(0)).catch((err: Error) => (error = err));
    expect(error?.message).to.include('bad_slice000.npz').and.to.include('12');
  });

  it('an .npz without label, or an h5 volume without label, names the file and the keys it has', async () => {
    const only = { image: { data: new Float32Array(H * W), shape: [H, W] } };
    writeNpz(join(root, 'train_npz', 'nolabel.npz'), only);
    const ds = await buildDataset(trainCfg({ ann_file: '' }), 'dataset');
    const i = [...Array(ds.length).keys()].find((k) => ds.info(k).imgPath.endsWith('nolabel.npz'))!;
    let error: Error | undefined;
    await ds.get(i, new Rng(0)).catch((err: Error) => (error = err));
    expect(error?.message).to.match(/nolabel\.npz.*label.*image/);

    await writeH5(join(root, 'test_vol_h5', 'case0009.npy.h5'), { image: { data: new Float32Array(2 * H * W), shape: [2, H, W] } });
    const cfg = testCfg({ ann_file: '' });
    const failure = await buildDataset(cfg, 'val_dataloader.dataset').then(() => undefined, (err: Error) => err);
    expect(failure?.message).to.match(/val_dataloader\.dataset: .*case0009\.npy\.h5.*label.*image/);
  });
});
