/**
 * Prediction on one decoded image, the same in Node (`segvit predict`) and in the browser (`segvit/browser`): the
 * config's test transforms, the model's data preprocessor, and maps at the image's own size. Imports no Node built-in; the maps come as tensors, which
 * Node reads synchronously and a browser (webgpu) must read with `await data()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetMeta, Image, Sample, Transform } from '../../datasets/types.js';
import { Rng } from '../random.js';
import type { Segmentor } from '../segmentors/types.js';
import { predictDepth } from './depth-inference.js';
import { predictLabels, type AugOptions } from './inference.js';

/** Whether a transform type reads files (LoadImageFromFile, LoadAnnotations, ...), which an image alone skips. */
export const isLoader = (type: string): boolean => type.startsWith('Load');

/** The transforms of a test pipeline that apply to an image alone (file and annotation loaders dropped). */
export function imageTransforms(pipeline: readonly Transform[]): Transform[] {
  return pipeline.filter((t) => !isLoader(t.type));
}

/** A decoded image as the test transforms make it; `batch()` builds it as a [1, H, W, C] tensor. */
export interface PreparedImage {
  image: Image;
  batch(): tf.Tensor4D;
}

/** Apply the test transforms to a decoded image (uint8 RGB, as read). */
export async function prepareImage(transforms: readonly Transform[], meta: DatasetMeta, image: Image, imgPath = ''): Promise<PreparedImage> {
  let sample: Sample = { index: 0, imgPath, meta, img: image, oriShape: [image.height, image.width], imgShape: [image.height, image.width] };
  const rng = new Rng(0); // test transforms are deterministic; the generator is never drawn for them
  for (const t of transforms) sample = await t.apply(sample, rng);
  const img = sample.img!;
  return { image, batch: () => tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, img.channels]) };
}

/** The model's raw test-mode output for the prepared image: logits [1, h, w, K] (segmentation) or depth [1, h, w]. */
export function modelOutput(model: Segmentor, prepared: PreparedImage): tf.Tensor {
  return tf.tidy(() => model.predict(model.dataPreprocessor.forward(prepared.batch()).images));
}

/** Class ids [1, H, W] (int32) of every pixel, at the image's own size, from a segmentation model. */
export function segmentPrepared(model: Segmentor, prepared: PreparedImage, aug?: AugOptions): tf.Tensor3D {
  const { height, width } = prepared.image;
  return tf.tidy(() => {
    const input = prepared.batch();
    const { images } = model.dataPreprocessor.forward(input);
    const unpadded: [number, number] = [input.shape[1], input.shape[2]];
    return predictLabels(model, images, [height, width], aug, unpadded);
  });
}

/** Depth [1, H, W] of every pixel, at the image's own size (the head's units: metres, or relative inverse depth). */
export function depthOfPrepared(model: Segmentor, prepared: PreparedImage, aug?: AugOptions): tf.Tensor3D {
  const { height, width } = prepared.image;
  return tf.tidy(() => predictDepth(model, prepared.batch(), [height, width], aug));
}
