/**
 * The 3D pipeline's data path: NiftiFolderDataset pairs volumes, LoadBiomedicalImageFromFile /
 * LoadBiomedicalAnnotation read them with their geometry and the label_map, and the 3D transforms cut patches. On
 * volumes written on a fixture's grid, and on the real mricron brain (pending without it).
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../lib/components.js';
import '../../datasets/index.js';
import { DataLoader } from '../../datasets/loader.js';
import { buildDataset } from '../../datasets/loader/build.js';
import { inspectDataset } from '../../datasets/inspect.js';
import { readNifti, writeNifti } from '../../datasets/medical/nifti.js';
import type { JsonObject } from '../../lib/config/index.js';
import type { ComponentConfig } from '../../lib/config/types.js';
import { taskOf } from '../../lib/engine/tasks/index.js';
import { Rng } from '../../lib/random.js';
import type { Segmentor } from '../../lib/segmentors/types.js';
import { downloadOrSkip, MRICRON_ROOT } from '../fixtures.js';

const template = new URL('../../../spec/fixtures/medical-io/scaled.nii.gz', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'segvit-volumes-'));
const CLASSES = ['background', 'a', 'b'];

const dataset = (pipeline: JsonObject[], extra: JsonObject = {}): ComponentConfig => ({
  type: 'NiftiFolderDataset',
  data_root: root,
  metainfo: { classes: CLASSES },
  pipeline: [{ type: 'LoadBiomedicalImageFromFile' }, { type: 'LoadBiomedicalAnnotation' }, ...pipeline],
  ...extra,
});

describe('3D volumes: NIfTI folders, loading, patches', function () {
  this.timeout(120000);

  before(async () => {
    const like = await readNifti(template); // [3, 4, 5], 2.5 x 0.8 x 0.8 mm
    mkdirSync(join(root, 'images'));
    mkdirSync(join(root, 'labels'));
    const hu = Int16Array.from({ length: 60 }, (_, i) => -200 + 10 * i);
    await writeNifti(join(root, 'images', 'case1.nii.gz'), { data: hu, shape: like.shape }, like);
    await writeNifti(join(root, 'labels', 'case1.nii.gz'), { data: Uint8Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? 4 : 0)), shape: like.shape }, like);
  });

  it('loads a volume [D, H, W, 1] with its spacing and the label volume through label_map', async () => {
    const ds = await buildDataset(dataset([{ type: 'IntensityWindow', window: [-125, 275] }], { label_map: { 4: 2 } }), 'dataset');
    const s = await ds.get(0, new Rng(0));
    expect(s.img3d!.shape).to.deep.equal([3, 4, 5]);
    expect(s.geometry!.spacing.map((v) => +v.toFixed(4))).to.deep.equal([2.5, 0.8, 0.8]);
    expect(s.img3d!.data[8]).to.be.closeTo(5 / 400, 1e-7);
    expect(s.gtSeg3d!.data[7]).to.equal(2);
  });

  it('pads a volume smaller than the patch and cuts patches; flips keep image and label aligned', async () => {
    const ds = await buildDataset(dataset([{ type: 'RandomCrop3D', crop_size: [4, 4, 4] }, { type: 'RandomFlip3D' }], { label_map: { 4: 2 } }), 'dataset');
    for (let seed = 0; seed < 5; seed++) {
      const s = await ds.get(0, new Rng(seed));
      expect(s.img3d!.shape).to.deep.equal([4, 4, 4]);
      expect(s.gtSeg3d!.shape).to.deep.equal([4, 4, 4]);
      // the image is −200 + 10·i and the label marks i % 7 == 0: they must still agree voxel by voxel
      s.gtSeg3d!.data.forEach((l, v) => {
        const i = (s.img3d!.data[v]! + 200) / 10;
        if (l === 2) expect(i % 7).to.equal(0);
      });
    }
  });

  it('batches patches as [B, D, H, W, C] (2 workers), and a 2D model refuses them', async () => {
    const cfg = dataset([{ type: 'RandomCrop3D', crop_size: [4, 4, 4] }], { label_map: { 4: 2 } });
    const loader = await DataLoader.create({ datasetConfig: cfg, batchSize: 2, numWorkers: 2 });
    const { value: batch } = await loader.iterate(0).next();
    await loader.close();
    expect(batch.volumeShape).to.deep.equal([2, 4, 4, 4, 1]);
    expect(batch.shape).to.deep.equal([2, 16, 4, 1]);
    expect(batch.images.length).to.equal(128);
    expect(batch.labelVolumeShape).to.deep.equal([2, 4, 4, 4]);
    expect(batch.samples[0]!.geometry!.spacing.map((v: number) => +v.toFixed(4))).to.deep.equal([2.5, 0.8, 0.8]);
    const model = { constructor: { name: 'EncoderDecoder' }, task: 'segmentation' } as unknown as Segmentor;
    expect(() => taskOf(model).targets(batch)).to.throw(
      'EncoderDecoder takes images [B, H, W, C], but the pipeline gives volumes [2,4,4,4,1] (LoadBiomedicalImageFromFile)',
    );
  });

  it('a label volume off the image grid, or with values beyond the classes, names the files', async () => {
    const like = await readNifti(template);
    await writeNifti(join(root, 'labels', 'case1.nii.gz'), { data: new Uint8Array(60).fill(7), shape: like.shape }, like);
    const ds = await buildDataset(dataset([]), 'dataset');
    const err = await ds.get(0, new Rng(0)).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.include(join(root, 'labels', 'case1.nii.gz')).and.include('7');
    const shifted = like.header.slice();
    new DataView(shifted.buffer).setFloat32(292, -35, true); // srow_x[3]: the label volume moved 5 mm
    await writeNifti(join(root, 'labels', 'case1.nii.gz'), { data: new Uint8Array(60), shape: like.shape }, { ...like, header: shifted });
    const off = await ds.get(0, new Rng(0)).then(() => undefined, (e: Error) => e);
    expect(off?.message).to.equal(
      `${join(root, 'labels', 'case1.nii.gz')}: label volume [3, 4, 5] does not lie on the grid of its image ` +
        `${join(root, 'images', 'case1.nii.gz')} [3, 4, 5] (the affines differ); resample the label onto the image first`,
    );
  });

  it("SynapseDataset3D: TransUNet's split by case, labels mapped to the 8 organs; ACDCDataset: frames with their _gt", async () => {
    const like = await readNifti(template);
    const raw = join(root, 'synapse');
    mkdirSync(join(raw, 'img'), { recursive: true });
    mkdirSync(join(raw, 'label'), { recursive: true });
    for (const id of ['0001', '0005', '0008']) {
      await writeNifti(join(raw, 'img', `img${id}.nii.gz`), { data: new Int16Array(60), shape: like.shape }, like);
      await writeNifti(join(raw, 'label', `label${id}.nii.gz`), { data: Uint8Array.from({ length: 60 }, (_, i) => i % 14), shape: like.shape }, like);
    }
    const synapse = (split: string) =>
      buildDataset({ type: 'SynapseDataset3D', data_root: raw, split, pipeline: [{ type: 'LoadBiomedicalImageFromFile' }, { type: 'LoadBiomedicalAnnotation' }] }, 'dataset');
    const train = await synapse('train');
    expect(train.length).to.equal(1);
    expect(train.info(0).segMapPath).to.equal(join(raw, 'label', 'label0005.nii.gz'));
    expect((await synapse('test')).length).to.equal(2);
    const s = await train.get(0, new Rng(0));
    expect(Array.from(s.gtSeg3d!.data.slice(0, 14))).to.deep.equal([0, 7, 4, 3, 2, 0, 5, 8, 1, 0, 0, 6, 0, 0]);
    const report = await inspectDataset(train); // what `segvit dataset` prints: labels 0..13 of 60 voxels, mapped
    expect([report.annotated, report.problems]).to.deep.equal([1, []]);
    // labels 0..3 occur 5 times in i % 14 over 60 voxels, 4..13 four times; organs 3, 4, 7 come from labels 3, 2, 1
    expect(report.classPixels).to.deep.equal([25, 4, 4, 5, 5, 4, 4, 5, 4]);

    const acdc = join(root, 'acdc', 'training', 'patient001');
    mkdirSync(acdc, { recursive: true });
    for (const name of ['patient001_4d', 'patient001_frame01', 'patient001_frame12']) {
      await writeNifti(join(acdc, `${name}.nii.gz`), { data: new Int16Array(60), shape: like.shape }, like);
    }
    for (const name of ['patient001_frame01_gt', 'patient001_frame12_gt']) {
      await writeNifti(join(acdc, `${name}.nii.gz`), { data: new Uint8Array(60).fill(3), shape: like.shape }, like);
    }
    const frames = await buildDataset({ type: 'ACDCDataset', data_root: join(root, 'acdc') }, 'dataset');
    expect([0, 1].map((i) => frames.info(i).imgPath.split('/').pop())).to.deep.equal(['patient001_frame01.nii.gz', 'patient001_frame12.nii.gz']);
    expect(frames.length).to.equal(2);
    expect(frames.meta.classes).to.deep.equal(['background', 'RV', 'MYO', 'LV']);
  });

  it('the real brain: resampled to 2 mm, and patches that find the atlas regions (mricron-data)', async function () {
    const dir = downloadOrSkip(this, MRICRON_ROOT, ['ch2bet.nii.gz', 'aal.nii.gz'], 'run tools/fetch-mricron-data.sh or set SEGVIT_MRICRON');
    const regions = JSON.parse(readFileSync(new URL('../../../configs/demo/aal-regions.json', import.meta.url), 'utf8')) as Record<string, number[]>;
    const labelMap = Object.fromEntries(Object.values(regions).flatMap((labels, i) => labels.map((l) => [l, i + 1])));
    const cfg: ComponentConfig = {
      type: 'NiftiFolderDataset',
      data_root: dir,
      data_prefix: { img_path: '', seg_map_path: '' },
      ann_file: '',
      img_suffix: 'ch2bet.nii.gz',
      seg_map_suffix: 'aal.nii.gz',
      label_map: labelMap,
      metainfo: { classes: ['background', ...Object.keys(regions)] },
      pipeline: [
        { type: 'LoadBiomedicalImageFromFile' },
        { type: 'LoadBiomedicalAnnotation' },
        { type: 'ZScoreNormalize', nonzero: true },
        { type: 'ResampleToSpacing', spacing: [2, 2, 2] },
        { type: 'RandomCrop3D', crop_size: [32, 64, 64], foreground_prob: 1 },
      ] as JsonObject[],
    };
    const ds = await buildDataset(cfg, 'dataset');
    const s = await ds.get(0, new Rng(1));
    expect(s.img3d!.shape).to.deep.equal([32, 64, 64]);
    expect(s.gtSeg3d!.shape).to.deep.equal([32, 64, 64]);
    expect(s.geometry!.spacing).to.deep.equal([1, 1, 1]); // as loaded
    expect(s.gtSeg3d!.data.some((v) => v > 0)).to.equal(true); // foreground_prob 1: every patch holds a region
    expect(s.gtSeg3d!.data.every((v) => v <= 7)).to.equal(true);
  });
});
