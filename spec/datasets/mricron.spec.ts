/**
 * The brain demo on real anatomy: Debian's mricron-data (Colin27 T1 `ch2bet.nii.gz` and the AAL atlas on the same
 * 1 mm grid) converted by `segvit convert nifti` into TransUNet's layout with the AAL labels grouped into 7 regions,
 * then the demo's HiFormer trained for two iterations and evaluated per region. Pending without the data
 * (tools/fetch-mricron-data.sh; CI runs it).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readH5 } from '../../datasets/medical/h5.js';
import { readNifti } from '../../datasets/medical/nifti.js';
import { downloadOrSkip, MRICRON_ROOT } from '../fixtures.js';
import { runSegvit } from '../helpers/cli.js';

const HOW_TO = 'run tools/fetch-mricron-data.sh (apt-get download mricron-data, no root) or set SEGVIT_MRICRON';
const config = (name: string) => fileURLToPath(new URL(`../../../configs/demo/${name}`, import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'segvit-brain-'));
const out = join(cwd, 'brain');
const SLABS = '40:50,72:82,104:114';

describe('the brain demo data (mricron-data: Colin27 T1 and the AAL atlas)', function () {
  this.timeout(600000);
  let dir: string;

  before(function () {
    dir = downloadOrSkip(this, MRICRON_ROOT, ['ch2bet.nii.gz', 'aal.nii.gz'], HOW_TO);
    const r = runSegvit(cwd, 'convert', 'nifti', join(dir, 'ch2bet.nii.gz'), join(dir, 'aal.nii.gz'), out,
      '--regions', config('aal-regions.json'), '--test-slabs', SLABS, '--name', 'ch2');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('133 training slices, 3 test slabs; classes background, frontal, limbic_insula');
  });

  it('holds out axial slabs as volumes whose regions are the atlas labels grouped', async () => {
    const aal = await readNifti(join(dir, 'aal.nii.gz'));
    expect(aal.shape).to.deep.equal([181, 217, 181]);
    const slab = await readH5(join(out, 'test_vol_h5', 'ch2_z072-081.npy.h5'), ['image', 'label']);
    expect(slab.label!.shape).to.deep.equal([10, 217, 181]);
    const plane = 217 * 181;
    const regions = JSON.parse(readFileSync(config('aal-regions.json'), 'utf8')) as Record<string, number[]>;
    Object.values(regions).forEach((labels, i) => {
      let atlas = 0;
      for (let v = 72 * plane; v < 82 * plane; v++) if (labels.includes(aal.data[v]!)) atlas++;
      const converted = slab.label!.data.filter((c) => c === i + 1).length;
      expect(converted, Object.keys(regions)[i]).to.equal(atlas);
    });
    const image = slab.image!.data;
    expect(image.every((v) => v >= 0 && v <= 1)).to.equal(true);
    const lists = readFileSync(join(out, 'lists', 'lists_Synapse', 'test_vol.txt'), 'utf8');
    expect(lists).to.equal('ch2_z040-049\nch2_z072-081\nch2_z104-113\n');
    const train = readFileSync(join(out, 'lists', 'lists_Synapse', 'train.txt'), 'utf8').trim().split('\n');
    expect(train).to.not.include('ch2_slice069').and.not.include('ch2_slice084');
    expect(train).to.include('ch2_slice068').and.include('ch2_slice085');
  });

  it('trains the demo HiFormer for two iterations; validation and segvit eval report Dice and HD95 per region and case', () => {
    const r = runSegvit(cwd, 'train', config('brain_hiformer-s.json'), '--work-dir', 'work_dirs/brain', '--cfg-options',
      `train_dataloader.dataset.data_root=${out}`, `val_dataloader.dataset.data_root=${out}`,
      'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
      'train_cfg.max_iters=2', 'train_cfg.val_interval=2', 'param_scheduler.0.end=2',
      'default_hooks.logger.interval=1', 'default_hooks.checkpoint.interval=2');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/val at iter 2: mDice \d\.\d{4} mHD95 [\d.]+/);
    expect(r.stderr).to.match(/case ch2_z072-081: mean_dice [\d.]+ mean_hd95 [\d.]+/);
    for (const region of ['frontal', 'deep_grey', 'cerebellum', 'mean']) expect(r.stderr).to.match(new RegExp(`${region}\\s*\\|\\s*[\\d.]+\\s*\\|\\s*[\\d.]+`));
    expect(r.stderr).to.include('HD95 (voxel)');
    expect(r.stdout).to.match(/best mDice [\d.]+ at iteration 2/);

    const e = runSegvit(cwd, 'eval', config('brain_hiformer-s.json'), 'work_dirs/brain', '--out', 'eval.json', '--cfg-options',
      `val_dataloader.dataset.data_root=${out}`, 'val_dataloader.num_workers=0');
    expect(e.code, e.stderr).to.equal(0);
    expect(e.stdout).to.match(/^case ch2_z040-049: mean_dice [\d.]+ mean_hd95 [\d.]+$/m);
    const json = JSON.parse(readFileSync(join(cwd, 'eval.json'), 'utf8')) as { perClass: { name: string }[]; perCase: unknown[]; unit: string };
    expect(json.perClass.map((c) => c.name)).to.deep.equal(Object.keys(JSON.parse(readFileSync(config('aal-regions.json'), 'utf8'))));
    expect(json.perCase).to.have.length(3);
    expect(json.unit).to.equal('voxel');
  });
});
