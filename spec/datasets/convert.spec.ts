/**
 * `segvit convert synapse` on a tiny raw challenge layout (NIfTI volumes written on a fixture's grid): HU window,
 * TransUNet's 13 -> 8 organ mapping, test cases as HDF5 volumes and training cases as .npz slices, the lists; and its
 * errors.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readH5 } from '../../datasets/medical/h5.js';
import { readNifti, writeNifti } from '../../datasets/medical/nifti.js';
import { readNpz } from '../../datasets/medical/npz.js';
import { runSegvit } from '../helpers/cli.js';

const template = new URL('../../../spec/fixtures/medical-io/scaled.nii.gz', import.meta.url).pathname;
const cwd = mkdtempSync(join(tmpdir(), 'segvit-convert-'));
const raw = join(cwd, 'RawData', 'Training');

/** HU values -200..400 and every challenge label 0..13, on the template's [3, 4, 5] grid. */
const hu = Int16Array.from({ length: 60 }, (_, i) => -200 + i * 10);
const labels = Uint8Array.from({ length: 60 }, (_, i) => i % 14);
const MAPPED = [0, 7, 4, 3, 2, 0, 5, 8, 1, 0, 0, 6, 0, 0]; // challenge label -> TransUNet organ

describe('segvit convert synapse', function () {
  this.timeout(60000);

  before(async () => {
    const like = await readNifti(template);
    mkdirSync(join(raw, 'img'), { recursive: true });
    mkdirSync(join(raw, 'label'), { recursive: true });
    for (const id of ['0001', '0005']) {
      await writeNifti(join(raw, 'img', `img${id}.nii.gz`), { data: hu, shape: like.shape }, like);
      await writeNifti(join(raw, 'label', `label${id}.nii.gz`), { data: labels, shape: like.shape }, like);
    }
  });

  it('writes test cases as volumes, training cases as slices, windowed and mapped to the 8 organs', async () => {
    const r = runSegvit(cwd, 'convert', 'synapse', 'RawData', 'synapse');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('synapse: 3 training slices, 1 test volumes\n');
    expect(r.stderr).to.include('1/2 case0001 (test, 3 slices)');
    const lists = (f: string) => readFileSync(join(cwd, 'synapse', 'lists', 'lists_Synapse', f), 'utf8');
    expect(lists('test_vol.txt')).to.equal('case0001\n');
    expect(lists('train.txt')).to.equal('case0005_slice000\ncase0005_slice001\ncase0005_slice002\n');
    const { image, label } = await readH5(join(cwd, 'synapse', 'test_vol_h5', 'case0001.npy.h5'), ['image', 'label']);
    expect(image!.shape).to.deep.equal([3, 4, 5]);
    expect(Array.from(image!.data.slice(0, 11), (v) => +v.toFixed(6))).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0, 0.0125, 0.0375, 0.0625]);
    expect(image!.data[59]).to.equal(1);
    expect(Array.from(label!.data.slice(0, 14))).to.deep.equal(MAPPED);
    const slice = readNpz(join(cwd, 'synapse', 'train_npz', 'case0005_slice001.npz'));
    expect(slice.image!.shape).to.deep.equal([4, 5]);
    expect(Array.from(slice.label!.data)).to.deep.equal(Array.from(labels.slice(20, 40), (l) => MAPPED[l]!));
  });

  it('a missing label volume, or a folder without img/, is an error naming the path', () => {
    mkdirSync(join(cwd, 'Broken', 'img'), { recursive: true });
    const none = runSegvit(cwd, 'convert', 'synapse', 'Nothing', 'out');
    expect(none.stderr).to.include('segvit: Nothing: no img/ folder (nor Training/img, RawData/Training/img)');
    const r = runSegvit(cwd, 'convert', 'synapse', 'Broken', 'out');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('Broken/img: no imgXXXX.nii.gz');
  });
});
