/** Prediction on image files: the file read, then predict-image.ts (the config's test pipeline, the model, maps at full size). */
import * as tf from '@tensorflow/tfjs-core';
import { readImage } from '../../datasets/io.js';
import type { DatasetMeta, DepthMap, Image, LabelMap, Transform } from '../../datasets/types.js';
import type { Segmentor } from '../segmentors/types.js';
import type { AugOptions } from './inference.js';
import { depthOfPrepared, prepareImage, segmentPrepared } from './predict-image.js';

export { imageTransforms } from './predict-image.js';

export interface Prediction {
  image: Image;
  label: LabelMap;
}

export interface DepthPrediction {
  image: Image;
  /** In the head's units: metres for metric models, relative inverse depth otherwise. */
  depth: DepthMap;
}

/** Class ids of every pixel of the image file, at the image's own size, from a segmentation model. */
export async function predictFile(
  model: Segmentor,
  transforms: readonly Transform[],
  meta: DatasetMeta,
  imgPath: string,
  aug?: AugOptions,
): Promise<Prediction> {
  const prepared = await prepareImage(transforms, meta, await readImage(imgPath), imgPath);
  const data = tf.tidy(() => Uint8Array.from(segmentPrepared(model, prepared, aug).dataSync()));
  return { image: prepared.image, label: { data, height: prepared.image.height, width: prepared.image.width } };
}

/** Depth of every pixel of the image file, at the image's own size, from a depth model. */
export async function predictDepthFile(
  model: Segmentor,
  transforms: readonly Transform[],
  meta: DatasetMeta,
  imgPath: string,
  aug?: AugOptions,
): Promise<DepthPrediction> {
  const prepared = await prepareImage(transforms, meta, await readImage(imgPath), imgPath);
  const data = tf.tidy(() => depthOfPrepared(model, prepared, aug).dataSync() as Float32Array);
  return { image: prepared.image, depth: { data, height: prepared.image.height, width: prepared.image.width } };
}
