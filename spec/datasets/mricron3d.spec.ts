/**
 * The 3D brain demo on real anatomy: Debian's mricron-data (Colin27 T1 `ch2bet.nii.gz`, the AAL atlas on the same
 * 1 mm grid) split by `segvit convert hemispheres` (left hemisphere to train, right one mirrored to validate), then the
 * demo's D-Former trained for two iterations, evaluated per region with HD95 in mm, and `segvit predict` on the
 * validation volume. Pending without the data (tools/fetch-mricron-data.sh; CI runs it).
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti } from '../../datasets/medical/nifti.js';
import { downloadOrSkip, MRICRON_ROOT } from '../fixtures.js';
import { runSegvit } from '../helpers/cli.js';

const HOW_TO = 'run tools/fetch-mricron-data.sh (apt-get download mricron-data, no root) or set SEGVIT_MRICRON';
const config = (name: string) => fileURLToPath(new URL(`../../../configs/demo/${name}`, import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'segvit-brain3d-'));
const out = join(cwd, 'brain3d');
const regions = JSON.parse(readFileSync(config('aal-regions.json'), 'utf8')) as Record<string, number[]>;

describe('the 3D brain demo (mricron-data hemispheres, D-Former)', function () {
  this.timeout(600000);
  let dir: string;

  before(function () {
    dir = downloadOrSkip(this, MRICRON_ROOT, ['ch2bet.nii.gz', 'aal.nii.gz'], HOW_TO);
    const r = runSegvit(cwd, 'convert', 'hemispheres', join(dir, 'ch2bet.nii.gz'), join(dir, 'aal.nii.gz'), out, '--regions', config('aal-regions.json'));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('two hemispheres of [181, 217, 90] voxels; classes background, frontal, limbic_insula');
  });

  it('splits at world x = 0: the left half as it is, the right half mirrored, each region the atlas labels grouped', async () => {
    const aal = await readNifti(join(dir, 'aal.nii.gz')); // [181 z, 217 y, 181 x], x = i − 90 mm
    const left = await readNifti(join(out, 'train', 'labels', 'left.nii.gz'));
    const right = await readNifti(join(out, 'val', 'labels', 'right_mirrored.nii.gz'));
    expect([left.shape, right.shape]).to.deep.equal([[181, 217, 90], [181, 217, 90]]);
    expect(left.affine[0]).to.deep.equal(aal.affine[0]);
    expect(right.affine[0]).to.deep.equal([-1, 0, 0, 90]); // column 0 is x = 90 mm, then towards the midline
    // each region: voxels of its atlas labels at x < 0 (columns 0..89), and at x > 0 (columns 91..180)
    Object.values(regions).forEach((labels, i) => {
      let [atlasLeft, atlasRight] = [0, 0];
      aal.data.forEach((l, v) => {
        if (!labels.includes(l)) return;
        if (v % 181 < 90) atlasLeft++;
        else if (v % 181 > 90) atlasRight++;
      });
      const count = (data: ArrayLike<number>) => Array.from(data).filter((c) => c === i + 1).length;
      expect([count(left.data), count(right.data)], Object.keys(regions)[i]).to.deep.equal([atlasLeft, atlasRight]);
    });
    // mirrored: right column 0 is atlas column 180
    const row = 100 * 217 * 181 + 120 * 181;
    const mapped = (l: number) => Object.values(regions).findIndex((labels) => labels.includes(l)) + 1;
    expect(right.data[100 * 217 * 90 + 120 * 90 + 5]).to.equal(mapped(aal.data[row + 175]!));
  });

  it('trains the demo D-Former for two iterations; validation, segvit eval and predict report and write per region', () => {
    const data = [`train_dataloader.dataset.data_root=${out}`, `val_dataloader.dataset.data_root=${out}`, 'train_dataloader.num_workers=0'];
    const r = runSegvit(cwd, 'train', config('brain_dformer.json'), '--work-dir', 'work_dirs/brain3d', '--cfg-options', ...data,
      'train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'param_scheduler.0.end=2', 'default_hooks.logger.interval=1',
      'default_hooks.checkpoint.interval=2');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/val at iter 2: mDice \d\.\d{4} mHD95 [\d.]+/);
    expect(r.stderr).to.match(/case right_mirrored: mean_dice [\d.]+ mean_hd95 [\d.]+/);
    for (const region of ['frontal', 'deep_grey', 'cerebellum', 'mean']) expect(r.stderr).to.match(new RegExp(`${region}\\s*\\|\\s*[\\d.]+\\s*\\|\\s*[\\d.]+`));
    expect(r.stderr).to.include('HD95 (mm)');

    const e = runSegvit(cwd, 'eval', config('brain_dformer.json'), 'work_dirs/brain3d', '--out', 'eval.json', '--cfg-options', ...data);
    expect(e.code, e.stderr).to.equal(0);
    expect(e.stderr).to.include('window 30/30'); // the sliding windows' progress
    const json = JSON.parse(readFileSync(join(cwd, 'eval.json'), 'utf8')) as { perClass: { name: string }[]; perCase: unknown[]; unit: string };
    expect(json.perClass.map((c) => c.name)).to.deep.equal(Object.keys(regions));
    expect([json.perCase.length, json.unit]).to.deep.equal([1, 'mm']);

    const image = join(out, 'val', 'images', 'right_mirrored.nii.gz');
    const p = runSegvit(cwd, 'predict', image, '--config', config('brain_dformer.json'), '--checkpoint', 'work_dirs/brain3d', '--out', 'pred',
      '--cfg-options', `val_dataloader.dataset.data_root=${out}`);
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stderr).to.match(/window 30\/30/);
    expect(existsSync(join(cwd, 'pred', 'right_mirrored_montage.png'))).to.equal(true);
    return readNifti(join(cwd, 'pred', 'right_mirrored_label.nii.gz')).then(async (label) => {
      const source = await readNifti(image);
      expect(label.shape).to.deep.equal(source.shape);
      expect(label.affine).to.deep.equal(source.affine);
      expect(Array.from(label.data).every((c) => c <= 7)).to.equal(true);
    });
  });
});
