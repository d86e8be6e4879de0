/**
 * The loading transforms (mmseg's transforms/loading.py): read a sample's image, its label map (with the dataset's
 * label conventions applied and checked) or its depth map, from the paths its dataset put in the sample.
 */
import { existsSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { defineOptions, nullable, option, type OptionsInput } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { positive } from '../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../lib/registry.js';
import { classMasksExist, isClassMaskTemplate, readClassMasks } from './class-masks.js';
import { DataFileError, MissingAnnotationError } from './errors.js';
import { readDepthPng, readImage, readLabelMap } from './io.js';
import { applyLut, checkLabelValues, labelLut, resizeNearest } from './labels.js';
import { isArrayFile, readArrayImage, readArrayLabel } from './medical/slices.js';
import type { DepthMap, Image, LabelMap, Sample, Transform } from './types.js';

/** The path of `sample`'s annotation, which must exist (MissingAnnotationError naming both files otherwise). */
function annotationPath(sample: Sample, path: string | undefined, option: string): string {
  if (path === undefined) throw new DataFileError(sample.imgPath, `the dataset has no annotations (data_prefix.${option})`);
  const exists = isClassMaskTemplate(path) ? classMasksExist(path, sample.meta.classes) : existsSync(path);
  if (!exists) throw new MissingAnnotationError(sample.imgPath, path);
  return path;
}

/** A DataFileError unless `map` has the size of `sample`'s image as loaded (when it is loaded). */
function checkImageSize(map: { height: number; width: number }, sample: Sample, path: string): void {
  if (sample.oriShape === undefined) return;
  const [height, width] = sample.oriShape;
  if (map.height !== height || map.width !== width) {
    throw new DataFileError(path, `annotation is ${map.width}x${map.height} but image ${sample.imgPath} is ${width}x${height}`);
  }
}

/**
 * `sample`'s label map with reduce_zero_label and the dataset's label_map applied, values not checked. Per-class
 * mask annotations are merged, and scaled (nearest) to the image when it is loaded and of another size
 * (CelebAMask-HQ: 1024² images, 512² masks).
 */
export async function readSegMap(sample: Sample, reduceZeroLabel = sample.meta.reduceZeroLabel): Promise<LabelMap> {
  const path = annotationPath(sample, sample.segMapPath, 'seg_map_path');
  let label: LabelMap;
  if (isClassMaskTemplate(path)) {
    label = await readClassMasks(path, sample.meta.classes);
    if (sample.oriShape !== undefined) label = resizeNearest(label, ...sample.oriShape);
  } else {
    label = isArrayFile(path) ? await readArrayLabel(path, sample) : await readLabelMap(path);
    checkImageSize(label, sample, path);
  }
  return applyLut(label, labelLut(reduceZeroLabel, sample.meta.labelMap));
}

/**
 * `sample`'s depth map in metres: raw value · `depthRescaleFactor` when given (mmseg's option), else raw value /
 * the dataset's depth_scale. 0 (no measurement) stays 0.
 */
export async function readDepthMap(sample: Sample, depthRescaleFactor?: number | null): Promise<DepthMap> {
  const path = annotationPath(sample, sample.depthMapPath, 'depth_map_path');
  const raw = await readDepthPng(path);
  checkImageSize(raw, sample, path);
  const data = new Float32Array(raw.data.length);
  if (depthRescaleFactor != null) for (let i = 0; i < data.length; i++) data[i] = raw.data[i]! * depthRescaleFactor;
  else {
    const scale = sample.meta.depthScale ?? 1;
    for (let i = 0; i < data.length; i++) data[i] = raw.data[i]! / scale;
  }
  return { data, height: raw.height, width: raw.width };
}

/** `sample`'s image: decoded (uint8 RGB), or as stored in an array file (.npz slice, slice of an HDF5 volume). */
export async function readSampleImage(sample: Sample): Promise<Image> {
  return isArrayFile(sample.imgPath) ? readArrayImage(sample) : readImage(sample.imgPath);
}

export const LoadImageFromFileOptions = defineOptions(
  'LoadImageFromFile',
  'read img (uint8 RGB; float32 with to_float32), set ori_shape and img_shape',
  { to_float32: option(Type.Boolean(), false, 'float32 pixel values instead of uint8') },
);
export type LoadImageFromFileOptions = OptionsInput<typeof LoadImageFromFileOptions>;

/**
 * mmseg's LoadImageFromFile: sets img (uint8 RGB, or float32 with `to_float32`), oriShape and imgShape. Array files
 * (.npz slices, slices of HDF5 volumes) give their float32 array as stored.
 */
export class LoadImageFromFile implements Transform {
  readonly type = 'LoadImageFromFile';
  readonly toFloat32: boolean;

  constructor(options: LoadImageFromFileOptions = {}, ctx?: BuildContext) {
    this.toFloat32 = resolveOptions(LoadImageFromFileOptions, options, ctx).to_float32;
  }

  async apply(sample: Sample): Promise<Sample> {
    const img = await readSampleImage(sample);
    if (this.toFloat32) img.data = Float32Array.from(img.data);
    const shape: [number, number] = [img.height, img.width];
    return { ...sample, img, oriShape: shape, imgShape: [...shape] };
  }
}

export const LoadAnnotationsOptions = defineOptions(
  'LoadAnnotations',
  'read gt_seg_map with reduce_zero_label and label_map applied; values checked against the classes',
  { reduce_zero_label: option(nullable(Type.Boolean()), null, "label 0 -> ignore, others - 1; null: the dataset's") },
);
export type LoadAnnotationsOptions = OptionsInput<typeof LoadAnnotationsOptions>;

/**
 * mmseg's LoadAnnotations: sets gtSegMap, the label map with reduce_zero_label (this transform's when given,
 * else the dataset's) and label_map applied; a value that is neither a class id nor ignore_index is a
 * LabelValueError naming the file, the values and the likely fix.
 */
export class LoadAnnotations implements Transform {
  readonly type = 'LoadAnnotations';
  readonly reduceZeroLabel: boolean | null;

  constructor(options: LoadAnnotationsOptions = {}, ctx?: BuildContext) {
    this.reduceZeroLabel = resolveOptions(LoadAnnotationsOptions, options, ctx).reduce_zero_label;
  }

  async apply(sample: Sample): Promise<Sample> {
    const reduceZeroLabel = this.reduceZeroLabel ?? sample.meta.reduceZeroLabel;
    const gtSegMap = await readSegMap(sample, reduceZeroLabel);
    checkLabelValues(sample.segMapPath!, gtSegMap, sample.meta, reduceZeroLabel);
    return { ...sample, gtSegMap };
  }
}

export const LoadDepthAnnotationOptions = defineOptions(
  'LoadDepthAnnotation',
  'read gt_depth_map in metres from a 16-bit PNG (raw / depth_scale, or raw * depth_rescale_factor)',
  { depth_rescale_factor: option(nullable(positive), null, "metres per raw unit; null: 1 / the dataset's depth_scale") },
);
export type LoadDepthAnnotationOptions = OptionsInput<typeof LoadDepthAnnotationOptions>;

/** mmseg's LoadDepthAnnotation: sets gtDepthMap in metres (see readDepthMap), 0 = invalid. */
export class LoadDepthAnnotation implements Transform {
  readonly type = 'LoadDepthAnnotation';
  readonly depthRescaleFactor: number | null;

  constructor(options: LoadDepthAnnotationOptions = {}, ctx?: BuildContext) {
    this.depthRescaleFactor = resolveOptions(LoadDepthAnnotationOptions, options, ctx).depth_rescale_factor;
  }

  async apply(sample: Sample): Promise<Sample> {
    return { ...sample, gtDepthMap: await readDepthMap(sample, this.depthRescaleFactor) };
  }
}

registries.transform.register('LoadImageFromFile', {
  schema: LoadImageFromFileOptions,
  build: (o, ctx) => new LoadImageFromFile(o, ctx),
});
registries.transform.register('LoadAnnotations', {
  schema: LoadAnnotationsOptions,
  build: (o, ctx) => new LoadAnnotations(o, ctx),
});
registries.transform.register('LoadDepthAnnotation', {
  schema: LoadDepthAnnotationOptions,
  build: (o, ctx) => new LoadDepthAnnotation(o, ctx),
});
