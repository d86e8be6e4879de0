/**
 * Task 'segmentation3d' end to end on small NIfTI volumes: targets from batches of volumes, evaluation of whole
 * volumes by sliding windows with HD95 in mm from the spacing the pipeline leaves (ResampleToSpacing changes it), and
 * `predict` writing a label NIfTI on the source grid and affine with a montage. The model's prediction is fixed (the
 * label moved one slice along D) so that Dice and HD95 are known by hand.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../lib/components.js';
import '../../datasets/index.js';
import { DataLoader } from '../../datasets/loader.js';
import { buildDataset } from '../../datasets/loader/build.js';
import { readNifti, writeNifti } from '../../datasets/medical/nifti.js';
import type { JsonObject } from '../../lib/config/index.js';
import { taskOf } from '../../lib/engine/tasks/index.js';
import { imageTransforms } from '../../lib/engine/predict.js';
import { registries } from '../../lib/registry.js';
import type { EncoderDecoder3D } from '../../lib/segmentors/encoder-decoder-3d.js';
import type { DiceHD95Result } from '../../lib/metrics/dice-hd95-metric.js';
import { FileDataset } from '../../datasets/file-dataset.js';

const template = new URL('../../../spec/fixtures/medical-io/scaled.nii.gz', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'segvit-seg3d-'));
const [D, H, W] = [8, 12, 10];
/** voxel (x, y, z) -> world: 0.8 × 0.8 × 2.5 mm, the spacing of the template's header. */
const AFFINE = [[0.8, 0, 0, -4], [0, 0.8, 0, 3], [0, 0, 2.5, 10], [0, 0, 0, 1]];

/** A 4×4 box of class 1, slices 2..5, in a [D, H, W] volume. */
const box = Uint8Array.from({ length: D * H * W }, (_, v) => {
  const [d, h, w] = [Math.floor(v / (H * W)), Math.floor(v / W) % H, v % W];
  return d >= 2 && d < 6 && h >= 4 && h < 8 && w >= 3 && w < 7 ? 1 : 0;
});

const dataset = (pipeline: JsonObject[] = []) => ({
  type: 'NiftiFolderDataset',
  data_root: root,
  metainfo: { classes: ['background', 'box'], palette: [[0, 0, 0], [255, 0, 0]] },
  pipeline: [{ type: 'LoadBiomedicalImageFromFile' }, { type: 'LoadBiomedicalAnnotation' }, ...pipeline],
});

/** A D-Former whose every prediction is the volume's own box moved one slice along D, as logits. */
function shiftedBoxModel(): EncoderDecoder3D {
  const model = registries.segmentor.build(
    {
      type: 'EncoderDecoder3D',
      backbone: { type: 'DFormer', embed_dims: 8, depths: [2, 2, 2, 2], num_heads: [1, 1, 2, 2] },
      decode_head: { type: 'DFormerHead', num_classes: 2, in_channels: [8, 16, 32] },
      test_cfg: { mode: 'slide', patch_size: [16, 32, 32] },
    },
    'model',
  ) as EncoderDecoder3D;
  model.predictVolume = async (volume) => {
    const [, d, h, w] = volume.shape;
    const image = (await volume.data()) as Float32Array;
    const logits = new Float32Array(d * h * w * 2);
    for (let v = 0; v < d * h * w; v++) {
      const above = v - h * w; // the voxel one slice up: the box (intensity 100) moved down by one
      logits[2 * v + 1] = above >= 0 && image[above]! > 50 ? 1 : -1;
    }
    return { logits, shape: [d, h, w, 2] as [number, number, number, number] };
  };
  return model;
}

describe("task 'segmentation3d' (EncoderDecoder3D)", function () {
  this.timeout(120000);

  before(async () => {
    const like = await readNifti(template);
    for (const folder of ['images', 'labels']) mkdirSync(join(root, folder));
    const image = Float32Array.from(box, (l) => (l === 1 ? 100 : 0));
    await writeNifti(join(root, 'images', 'case1.nii.gz'), { data: image, shape: [D, H, W] }, like, AFFINE);
    await writeNifti(join(root, 'labels', 'case1.nii.gz'), { data: box, shape: [D, H, W] }, like, AFFINE);
  });

  it('trains on label volumes [B, D, H, W]; images or volumes without labels are refused, saying what to load', async () => {
    const task = taskOf(shiftedBoxModel());
    const loader = await DataLoader.create({ datasetConfig: dataset(), batchSize: 1 });
    const { value: batch } = await loader.iterate(0).next();
    await loader.close();
    const { labelVolume } = task.targets(batch);
    expect(labelVolume!.shape).to.deep.equal([1, D, H, W]);
    expect(labelVolume!.dtype).to.equal('int32');
    expect(tf.sum(labelVolume!).dataSync()[0]).to.equal(64);
    const images = { ...batch, volumeShape: undefined, shape: [1, 8, 8, 1] as [number, number, number, number] };
    expect(() => task.targets(images)).to.throw('EncoderDecoder3D takes volumes: load them with LoadBiomedicalImageFromFile (the pipeline gives images [1,8,8,1])');
    expect(() => task.targets({ ...batch, labels: undefined })).to.throw('EncoderDecoder3D needs label volumes: add LoadBiomedicalAnnotation to the pipeline');
  });

  const cases: [string, JsonObject[], number][] = [
    ['on the file grid: one slice is 2.5 mm', [], 2.5],
    ['after ResampleToSpacing to 5 mm slices: one slice is 5 mm', [{ type: 'ResampleToSpacing', spacing: [5, 0.8, 0.8] }], 5],
  ];
  for (const [label, pipeline, mm] of cases) {
    it(`evaluates whole volumes with Dice and HD95 in mm ${label}`, async () => {
      const task = taskOf(shiftedBoxModel());
      const loader = await DataLoader.create({ datasetConfig: dataset(pipeline), batchSize: 1 });
      const { metrics, report, result } = await task.evaluator({ type: 'DiceHD95Metric' }, 'val_evaluator').evaluate(loader);
      await loader.close();
      // the box spans 4 slices (2 after resampling): moved by one, it keeps 3 of 4 (1 of 2)
      const dice = mm === 2.5 ? 0.75 : 0.5;
      expect(metrics.mDice).to.be.closeTo(dice, 1e-9);
      expect(metrics.mHD95).to.be.closeTo(mm, 1e-6);
      expect((result as DiceHD95Result).perCase.map((c) => c.name)).to.deep.equal(['case1']);
      expect((result as DiceHD95Result).unit).to.equal('mm');
      expect(report).to.include('box');
    });
  }

  it('predict writes a label NIfTI on the source grid and affine, and a montage of axial slices', async () => {
    const task = taskOf(shiftedBoxModel());
    const ds = await buildDataset(dataset([{ type: 'ResampleToSpacing', spacing: [5, 0.8, 0.8] }]), 'test_dataloader.dataset');
    const out = join(root, 'predictions');
    mkdirSync(out);
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      await task.predictFiles({
        files: [join(root, 'images', 'case1.nii.gz')], out, transforms: imageTransforms((ds as FileDataset).pipeline), meta: ds.meta, opacity: 0.5,
      });
    } finally {
      console.log = log;
    }
    expect(lines[0]).to.match(/^1\/1 .*case1\.nii\.gz: background, box -> .*case1_\{label\.nii\.gz,montage\.png\}$/);
    const written = await readNifti(join(out, 'case1_label.nii.gz'));
    expect(written.shape).to.deep.equal([D, H, W]);
    expect(written.affine.map((row) => row.map((v) => +v.toFixed(5)))).to.deep.equal(AFFINE); // the sform is float32
    // at 5 mm the box is slices 1..2 of 4 and the prediction 2..3; back on the 8 slices by nearest: slices 4..7
    const slices = [...new Set(Array.from(written.data).flatMap((l, v) => (l === 1 ? [Math.floor(v / (H * W))] : [])))];
    expect(slices).to.deep.equal([4, 5, 6, 7]);
    expect(existsSync(join(out, 'case1_montage.png'))).to.equal(true);
  });
});
