/**
 * Loading volumes (mmseg 1.x's LoadBiomedicalImageFromFile / LoadBiomedicalAnnotation, on NIfTI): the image as a
 * float32 [D, H, W, C] volume (a 4D NIfTI's fourth axis becomes the channels) with its spacing and affine; the label
 * volume as class ids with the dataset's label_map applied, checked to share the image's grid and to hold only
 * class ids.
 */
import { defineOptions, type OptionsInput } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import { DataFileError } from '../errors.js';
import { applyLut, checkLabelValues, labelLut } from '../labels.js';
import type { Grid3, Sample, Shape3, Transform } from '../types.js';
import { readNifti, type Volume } from './nifti.js';
import { classIds } from './slices.js';

/** [D, H, W] and channels of a NIfTI volume read as [Z, Y, X] or [T, Z, Y, X]. */
function gridOf(v: Volume, path: string): { shape: Shape3; channels: number } {
  if (v.shape.length === 3) return { shape: v.shape as Shape3, channels: 1 };
  if (v.shape.length === 4) return { shape: v.shape.slice(1) as Shape3, channels: v.shape[0]! };
  throw new DataFileError(path, `is a ${v.shape.length}D volume [${v.shape.join(', ')}]; images are 3D or 4D (channels)`);
}

/** [C, D, H, W] channel planes interleaved into [D, H, W, C]. */
function channelsLast(data: ArrayLike<number>, n: number, c: number): Float32Array {
  const out = new Float32Array(n * c);
  for (let k = 0; k < c; k++) for (let v = 0; v < n; v++) out[v * c + k] = data[k * n + v]!;
  return out;
}

export const LoadBiomedicalImageFromFileOptions = defineOptions(
  'LoadBiomedicalImageFromFile',
  'read a NIfTI image as a float32 [D, H, W, C] volume with its spacing and affine',
  {},
);
export type LoadBiomedicalImageFromFileOptions = OptionsInput<typeof LoadBiomedicalImageFromFileOptions>;

export class LoadBiomedicalImageFromFile implements Transform {
  readonly type = 'LoadBiomedicalImageFromFile';

  constructor(options: LoadBiomedicalImageFromFileOptions = {}, ctx?: BuildContext) {
    resolveOptions(LoadBiomedicalImageFromFileOptions, options, ctx);
  }

  async apply(sample: Sample): Promise<Sample> {
    const v = await readNifti(sample.imgPath);
    const { shape, channels } = gridOf(v, sample.imgPath);
    const n = shape[0] * shape[1] * shape[2];
    const data = channels === 1 ? Float32Array.from(v.data) : channelsLast(v.data, n, channels);
    const spacing = v.spacing.slice(-3) as Shape3;
    return { ...sample, img3d: { data, shape, channels }, geometry: { spacing, affine: v.affine }, spacing };
  }
}

export const LoadBiomedicalAnnotationOptions = defineOptions(
  'LoadBiomedicalAnnotation',
  "read a NIfTI label volume on the image's grid, with the dataset's label_map applied; values checked",
  {},
);
export type LoadBiomedicalAnnotationOptions = OptionsInput<typeof LoadBiomedicalAnnotationOptions>;

const sameAffine = (a: number[][], b: number[][]) => a.every((row, i) => row.every((x, j) => Math.abs(x - b[i]![j]!) <= 1e-3 * Math.max(1, Math.abs(x))));

export class LoadBiomedicalAnnotation implements Transform {
  readonly type = 'LoadBiomedicalAnnotation';

  constructor(options: LoadBiomedicalAnnotationOptions = {}, ctx?: BuildContext) {
    resolveOptions(LoadBiomedicalAnnotationOptions, options, ctx);
  }

  async apply(sample: Sample): Promise<Sample> {
    const path = sample.segMapPath;
    if (path === undefined) throw new DataFileError(sample.imgPath, 'the dataset has no annotations (data_prefix.seg_map_path)');
    const v = await readNifti(path);
    const { shape } = gridOf(v, path);
    const image = sample.img3d;
    if (image !== undefined && (shape.join() !== image.shape.join() || !sameAffine(v.affine, sample.geometry!.affine))) {
      throw new DataFileError(
        path,
        `label volume [${shape.join(', ')}] does not lie on the grid of its image ${sample.imgPath} [${image.shape.join(', ')}]` +
          (shape.join() === image.shape.join() ? ' (the affines differ)' : '') + '; resample the label onto the image first',
      );
    }
    const flat = { data: classIds(v.data, path), height: shape[0] * shape[1], width: shape[2] };
    const label = applyLut(flat, labelLut(sample.meta.reduceZeroLabel, sample.meta.labelMap));
    checkLabelValues(path, label, sample.meta, sample.meta.reduceZeroLabel);
    const gtSeg3d: Grid3<Uint8Array> = { data: label.data, shape, channels: 1 };
    return { ...sample, gtSeg3d };
  }
}

registries.transform.register('LoadBiomedicalImageFromFile', {
  schema: LoadBiomedicalImageFromFileOptions,
  build: (o, ctx) => new LoadBiomedicalImageFromFile(o, ctx),
});
registries.transform.register('LoadBiomedicalAnnotation', {
  schema: LoadBiomedicalAnnotationOptions,
  build: (o, ctx) => new LoadBiomedicalAnnotation(o, ctx),
});
