/**
 * 2D samples stored as arrays, as TransUNet lays out Synapse: a training slice is `caseXXXX_sliceYYY.npz` holding
 * `image` (float, [H, W]) and `label` ([H, W], class ids stored as floats); a test volume is `caseXXXX.npy.h5`
 * holding `image` and `label` as [D, H, W], read one axis-0 slice at a time. LoadImageFromFile and
 * LoadAnnotations read these files through here.
 */
import { statSync } from 'node:fs';
import { DataFileError } from '../errors.js';
import type { Image, LabelMap, Sample } from '../types.js';
import { readH5Slice } from './h5.js';
import type { NdArray } from './ndarray.js';
import { readNpz, requireKeys } from './npz.js';

const SLICE_KEYS = ['image', 'label'];

/** Whether `path` is an array file (a .npz slice or an HDF5 volume) rather than an image. */
export function isArrayFile(path: string): boolean {
  return /\.(npz|h5|hdf5)$/i.test(path);
}

/** The last .npz read: a slice's image and label share one file, read by two loading transforms in turn. */
let lastNpz: { key: string; arrays: Record<string, NdArray> } | undefined;

function npzSlice(path: string): Record<string, NdArray> {
  const stat = statSync(path, { throwIfNoEntry: false });
  const key = `${path}:${stat?.mtimeMs}:${stat?.size}`;
  if (lastNpz?.key !== key) lastNpz = { key, arrays: requireKeys(path, readNpz(path), SLICE_KEYS, 'a Synapse slice') };
  return lastNpz.arrays;
}

/** Array `key` of `path`: the whole array of a .npz, slice `volume.slice` of an HDF5 volume. */
async function readArray(path: string, key: 'image' | 'label', sample: Sample): Promise<NdArray> {
  if (/\.npz$/i.test(path)) return npzSlice(path)[key]!;
  if (sample.volume === undefined) {
    throw new DataFileError(path, 'is a volume; list it in a dataset that reads volumes slice by slice (SynapseDataset)');
  }
  return readH5Slice(path, key, sample.volume.slice, SLICE_KEYS);
}

/** [H, W] or [H, W, C] of a 2D array, else an error naming the file. */
function planeShape(a: NdArray, path: string, key: string): [number, number, number] {
  const [h, w, c = 1] = a.shape;
  if (a.shape.length < 2 || a.shape.length > 3 || c > 4) {
    throw new DataFileError(path, `'${key}' is [${a.shape.join(', ')}]; a slice is [H, W] or [H, W, C]`);
  }
  return [h!, w!, c];
}

/** `sample`'s image from its array file, float32 [H, W, C] as stored (TransUNet slices are [0, 1] CT, C = 1). */
export async function readArrayImage(sample: Sample): Promise<Image> {
  const a = await readArray(sample.imgPath, 'image', sample);
  const [height, width, channels] = planeShape(a, sample.imgPath, 'image');
  return { data: Float32Array.from(a.data), height, width, channels };
}

/** The label map of the array file `path` (of `sample`): whole class ids 0..255, else an error naming the values. */
export async function readArrayLabel(path: string, sample: Sample): Promise<LabelMap> {
  const a = await readArray(path, 'label', sample);
  const [height, width, channels] = planeShape(a, path, 'label');
  if (channels !== 1) throw new DataFileError(path, `'label' has ${channels} channels; labels are [H, W] class ids`);
  return { data: classIds(a.data, path), height, width };
}

/** Label values as uint8 class ids; values that are not whole numbers 0..255 are an error naming the file and them. */
export function classIds(values: ArrayLike<number>, path: string): Uint8Array {
  const data = new Uint8Array(values.length);
  const bad = new Set<number>();
  for (let i = 0; i < data.length; i++) {
    const v = Number(values[i]);
    if (Number.isInteger(v) && v >= 0 && v <= 255) data[i] = v;
    else if (bad.size < 5) bad.add(v);
  }
  if (bad.size > 0) throw new DataFileError(path, `labels hold values that are not class ids 0..255: ${[...bad].join(', ')}`);
  return data;
}
