/**
 * One brain image and its atlas (a NIfTI pair on one grid) split at the midline for the 3D demo: the left hemisphere
 * is the training volume, the right one mirrored left-right the validation volume, both with the atlas labels grouped
 * into named regions. Each is written as a NIfTI pair with its own affine (the crop, and the flip for the mirrored
 * one), in NiftiFolderDataset's layout: `train/{images,labels}/left.nii.gz`, `val/{images,labels}/right_mirrored.nii.gz`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti, writeNifti, type Volume } from './nifti.js';
import { regionClasses, regionMap } from './nifti-convert.js';
import { mappedLabels } from './slice-layout.js';

export interface HemispheresOptions {
  image: string;
  label: string;
  out: string;
  /** Region name -> the atlas labels it groups; class ids follow the order, after background (0). */
  regions: Record<string, number[]>;
}

/** The x voxel index of world x = 0 and the voxel step of world x, for an affine whose x axis is the voxel's. */
function midline(v: Volume, path: string): { mid: number; step: number } {
  const [row] = v.affine;
  if (Math.abs(row![1]!) > 1e-6 || Math.abs(row![2]!) > 1e-6 || row![0] === 0) {
    throw new Error(`${path}: the affine is oblique (world x depends on voxel y or z); resample the volume to an axis-aligned grid first`);
  }
  return { mid: Math.round(-row![3]! / row![0]!), step: row![0]! };
}

/** Columns x0..x0+w−1 of a [Z, Y, X] volume, reversed when `flip`. */
function columns<T extends Float32Array | Uint8Array>(data: T, [z, y, x]: number[], x0: number, w: number, flip: boolean): T {
  const out = new (data.constructor as new (n: number) => T)(z * y * w);
  for (let r = 0; r < z * y; r++) {
    for (let i = 0; i < w; i++) out[r * w + i] = data[r * x! + x0 + (flip ? w - 1 - i : i)]!;
  }
  return out;
}

/** The affine of columns x0.. of `affine`, its x axis reversed (over w columns) when `flip`. */
function cropAffine(affine: number[][], x0: number, w: number, flip: boolean): number[][] {
  const first = flip ? x0 + w - 1 : x0;
  return affine.map((row) => {
    const out = [...row];
    out[3] = row[3]! + row[0]! * first;
    if (flip) out[0] = -row[0]!;
    return out;
  });
}

/** Convert; returns the classes (also written to `out`/classes.json) and the shape of each hemisphere. */
export async function convertHemispheres(o: HemispheresOptions): Promise<{ classes: string[]; shape: number[] }> {
  const [image, label] = [await readNifti(o.image), await readNifti(o.label)];
  if (image.shape.join() !== label.shape.join()) {
    throw new Error(`${o.image} is [${image.shape.join(', ')}] but ${o.label} is [${label.shape.join(', ')}]; they must share one grid`);
  }
  const { mid, step } = midline(image, o.image);
  const x = image.shape[2]!;
  const w = Math.min(mid, x - mid - 1);
  if (w < 1) throw new Error(`${o.image}: world x = 0 lies at voxel ${mid} of ${x}, not inside the volume; is this a whole brain?`);
  // world x < 0 is the left hemisphere (RAS); the other side is mirrored onto it
  const [left, right] = step > 0 ? [mid - w, mid + 1] : [mid + 1, mid - w];
  const intensities = Float32Array.from(image.data);
  const labels = mappedLabels(label.data, regionMap(o.regions));
  const shape = [image.shape[0]!, image.shape[1]!, w];
  const parts: [string, string, number, boolean][] = [['train', 'left', left, false], ['val', 'right_mirrored', right, true]];
  for (const [split, name, x0, flip] of parts) {
    const affine = cropAffine(image.affine, x0, w, flip);
    for (const folder of ['images', 'labels']) mkdirSync(join(o.out, split, folder), { recursive: true });
    await writeNifti(join(o.out, split, 'images', `${name}.nii.gz`), { data: columns(intensities, image.shape, x0, w, flip), shape }, image, affine);
    await writeNifti(join(o.out, split, 'labels', `${name}.nii.gz`), { data: columns(labels, image.shape, x0, w, flip), shape }, image, affine);
  }
  const classes = regionClasses(o.regions);
  writeFileSync(join(o.out, 'classes.json'), `${JSON.stringify({ classes }, null, 1)}\n`);
  return { classes, shape };
}
