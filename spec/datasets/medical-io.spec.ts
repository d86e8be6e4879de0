/**
 * The medical file readers against files numpy, h5py and nibabel wrote (tools/reference/medical_io.py), round trips
 * of the writers, and the errors on bad files.
 */
import { expect } from 'chai';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readH5, readH5Slice, writeH5 } from '../../datasets/medical/h5.js';
import { readNifti, writeNifti } from '../../datasets/medical/nifti.js';
import { parseNpy } from '../../datasets/medical/npy.js';
import { readNpz, writeNpz } from '../../datasets/medical/npz.js';

const dir = new URL('../../../spec/fixtures/medical-io/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
  npy: Record<string, { shape: number[]; values: number[] }>;
  slice: { image: number[]; label: number[] };
  volume: { image: number[]; label: number[]; shape: number[] };
  nifti: { shape_zyx: number[]; values_zyx: number[]; affine: number[][]; spacing_zyx: number[] };
};
const tmp = mkdtempSync(join(tmpdir(), 'segvit-medical-io-'));
const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) => expect(Math.max(...b.map((v, i) => Math.abs(Number(a[i]) - v)))).to.be.at.most(tol);

async function failure(p: Promise<unknown>): Promise<string> {
  return p.then(() => '', (err: Error) => err.message);
}

describe('medical file I/O', () => {
  for (const [name, want] of Object.entries(expected.npy)) {
    it(`reads numpy's ${name}.npy in C order`, () => {
      const a = parseNpy(readFileSync(join(dir, `${name}.npy`)), name);
      expect(a.shape).to.deep.equal(want.shape);
      close(a.data, want.values, 0);
    });
  }

  it("reads a TransUNet slice .npz, compressed or stored, and writes one numpy's format again", () => {
    for (const file of ['case0001_slice000.npz', 'stored.npz']) {
      const { image, label } = readNpz(join(dir, file));
      expect(image!.shape).to.deep.equal([6, 5]);
      close(image!.data, expected.slice.image, 0);
      close(label!.data, expected.slice.label, 0);
    }
    const path = join(tmp, 'round.npz');
    writeNpz(path, { image: { data: Float32Array.from(expected.slice.image), shape: [6, 5] }, mask: { data: Uint8Array.from([1, 0, 2]), shape: [3] } });
    const back = readNpz(path);
    close(back.image!.data, expected.slice.image, 0);
    expect(Array.from(back.mask!.data)).to.deep.equal([1, 0, 2]);
    expect(back.mask!.data).to.be.instanceOf(Uint8Array);
  });

  it("reads an h5py volume whole and one slice at a time, and writes one", async () => {
    const path = join(dir, 'case0008.npy.h5');
    const { image, label } = await readH5(path, ['image', 'label']);
    expect(image!.shape).to.deep.equal([3, 6, 5]);
    close(image!.data, expected.volume.image, 0);
    close(label!.data, expected.volume.label, 0);
    const slice = await readH5Slice(path, 'label', 2);
    expect(slice.shape).to.deep.equal([6, 5]);
    close(slice.data, expected.volume.label.slice(60), 0);
    const out = join(tmp, 'round.h5');
    await writeH5(out, { label: { data: Uint8Array.from([3, 1, 4, 1, 5, 9]), shape: [2, 3] } });
    expect(Array.from((await readH5Slice(out, 'label', 1)).data)).to.deep.equal([1, 5, 9]);
  });

  it('reads a scaled int16 NIfTI as [Z, Y, X] with its sform and spacing, and writes labels on its grid', async () => {
    const v = await readNifti(join(dir, 'scaled.nii.gz'));
    expect(v.shape).to.deep.equal(expected.nifti.shape_zyx);
    close(v.data, expected.nifti.values_zyx, 1e-5);
    expect(v.spacing.map((s) => Math.fround(s))).to.deep.equal(expected.nifti.spacing_zyx.map((s) => Math.fround(s)));
    v.affine.forEach((row, i) => close(row, expected.nifti.affine[i]!, 1e-6));
    const labels = Uint8Array.from(v.data, (x) => (x > 0 ? 1 : 0));
    const path = join(tmp, 'labels.nii.gz');
    await writeNifti(path, { data: labels, shape: v.shape }, v);
    const back = await readNifti(path);
    expect(back.datatype).to.equal('uint8');
    expect(Array.from(back.data)).to.deep.equal(Array.from(labels));
    expect(back.affine).to.deep.equal(v.affine);
    expect(back.spacing).to.deep.equal(v.spacing);
  });

  it('bad files: keys missing, truncated, not the format, unsupported datatype — each names the file', async () => {
    const h5 = join(tmp, 'image-only.h5');
    await writeH5(h5, { image: { data: new Float32Array(4), shape: [1, 2, 2] } });
    expect(await failure(readH5(h5, ['image', 'label']))).to.equal(`${h5}: has no 'label' (it has: image); a volume needs image and label`);
    const truncated = join(tmp, 'truncated.nii.gz');
    const bytes = readFileSync(join(dir, 'scaled.nii.gz'));
    writeFileSync(truncated, bytes.subarray(0, bytes.length / 2));
    expect(await failure(readNifti(truncated))).to.match(new RegExp(`^${truncated}: truncated`));
    const complex = join(tmp, 'complex.nii');
    const header = Buffer.from(await readNiftiHeader(join(dir, 'scaled.nii.gz')));
    header.writeInt16LE(32, 70); // datatype complex64
    header.writeInt16LE(64, 72);
    writeFileSync(complex, Buffer.concat([header, Buffer.alloc(4 + 60 * 8)]));
    expect(await failure(readNifti(complex))).to.equal(`${complex}: complex64 (datatype 32) is not supported; segvit reads int8/16/32, uint8/16/32, float32 and float64 volumes`);
    const notNpz = join(tmp, 'not.npz');
    copyFileSync(join(dir, 'u1.npy'), notNpz);
    expect(() => readNpz(notNpz)).to.throw(`${notNpz}: is not a readable .npz (zip) file`);
    expect(await failure(readH5(notNpz, ['image']))).to.equal(`${notNpz}: is not an HDF5 file (no HDF5 signature)`);
  });
});

/** The 348-byte header of a .nii.gz. */
async function readNiftiHeader(path: string): Promise<Uint8Array> {
  return (await readNifti(path)).header;
}
