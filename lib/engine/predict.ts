/** Prediction on image files: the config's test pipeline (without its loaders), the model, maps at full size. */
import * as tf from '@tensorflow/tfjs-core';
import { readImage } from '../../datasets/io.js';
import type { DatasetMeta, DepthMap, Image, LabelMap, Sample, Transform } from '../../datasets/types.js';
import { Rng } from '../random.js';
import type { Segmentor } from '../segmentors/types.js';
import { predictDepth } from './depth-inference.js';
import { predictLabels, type AugOptions } from './inference.js';

/** The transforms of a test pipeline that apply to an image alone (file and annotation loaders dropped). */
export function imageTransforms(pipeline: readonly Transform[]): Transform[] {
  return pipeline.filter((t) => !t.type.startsWith('Load'));
}

export interface Prediction {
  image: Image;
  label: LabelMap;
}

export interface DepthPrediction {
  image: Image;
  /** In the head's units: metres for metric models, relative inverse depth otherwise. */
  depth: DepthMap;
}

/** The image file as read, and as the transforms make it: a [1, H, W, C] batch. */
async function loadImage(transforms: readonly Transform[], meta: DatasetMeta, imgPath: string) {
  const image = await readImage(imgPath);
  let sample: Sample = { index: 0, imgPath, meta, img: image, oriShape: [image.height, image.width], imgShape: [image.height, image.width] };
  const rng = new Rng(0); // test transforms are deterministic; the generator is never drawn for them
  for (const t of transforms) sample = await t.apply(sample, rng);
  const img = sample.img!;
  return { image, batch: () => tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, img.channels]) };
}

/** Class ids of every pixel of the image file, at the image's own size, from a segmentation model. */
export async function predictFile(
  model: Segmentor,
  transforms: readonly Transform[],
  meta: DatasetMeta,
  imgPath: string,
  aug?: AugOptions,
): Promise<Prediction> {
  const { image, batch } = await loadImage(transforms, meta, imgPath);
  const data = tf.tidy(() => {
    const input = batch();
    const { images } = model.dataPreprocessor.forward(input);
    const unpadded: [number, number] = [input.shape[1], input.shape[2]];
    return Uint8Array.from(predictLabels(model, images, [image.height, image.width], aug, unpadded).dataSync());
  });
  return { image, label: { data, height: image.height, width: image.width } };
}

/** Depth of every pixel of the image file, at the image's own size, from a depth model. */
export async function predictDepthFile(
  model: Segmentor,
  transforms: readonly Transform[],
  meta: DatasetMeta,
  imgPath: string,
  aug?: AugOptions,
): Promise<DepthPrediction> {
  const { image, batch } = await loadImage(transforms, meta, imgPath);
  const data = tf.tidy(() => predictDepth(model, batch(), [image.height, image.width], aug).dataSync() as Float32Array);
  return { image, depth: { data, height: image.height, width: image.width } };
}
