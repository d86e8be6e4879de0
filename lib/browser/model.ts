/**
 * A model exported by `segvit export`, running in the page: `loadModel(url)` fetches the export and builds the model
 * on the first backend that works; `predict(image)` segments an image (or estimates its depth) as `segvit predict`
 * does, with the same test transforms, preprocessing and inference code.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { DatasetMeta, Image, Transform } from '../../datasets/types.js';
import { depthOfPrepared, modelOutput, prepareImage, segmentPrepared } from '../engine/predict-image.js';
import { ExportError, exportMeta, exportModelConfig, MANIFEST_FILE, parseManifest, type ExportManifest } from '../export/manifest.js';
import { withoutRandomInit } from '../nn/init.js';
import { registries } from '../registry.js';
import type { Segmentor } from '../segmentors/types.js';
import { colorizeDepth, validRange } from '../viz/depth.js';
import { colorize, labelsPresent, overlay } from '../viz/masks.js';
import type { Rgb } from '../viz/palettes.js';
import { loadWeights } from '../weights/index.js';
import { selectBackend, type BackendChoice, type BackendOptions } from './backend.js';
import { fetchBytes, fetchManifest } from './fetch.js';
import { toImage, toImageData, type ImageInput } from './image.js';

export interface LoadModelOptions extends BackendOptions {
  /** Called as the weights arrive: bytes received and the total (0 when the server sends no length). */
  onProgress?(loaded: number, total: number): void;
}

export interface PredictOptions {
  /** Weight of the mask over the image in `overlay`, 0..1; default 0.5. */
  opacity?: number;
  /** Also return the model's raw output (logits [1, h, w, K], or depth [1, h, w]) on the preprocessed image: a second run of the model. */
  raw?: boolean;
}

/** Milliseconds of each part of one prediction. */
export interface Timing {
  /** The image read and transformed. */
  preprocessMs: number;
  /** The model run and its output read back. */
  inferenceMs: number;
  /** Colours and overlay. */
  postprocessMs: number;
  totalMs: number;
}

export interface ClassPresent {
  id: number;
  name: string;
  color: Rgb;
}

interface ResultBase {
  width: number;
  height: number;
  /** The picture to show: the mask blended over the image, or the colour-mapped depth. */
  overlay: ImageData;
  timing: Timing;
  /** The model's raw output, when asked for (`raw: true`). */
  raw?: { data: Float32Array; shape: number[] };
}

export interface SegmentationResult extends ResultBase {
  task: 'segmentation';
  /** Class id of every pixel, row by row, at the image's size. */
  labels: Uint8Array;
  /** The class colours alone. */
  mask: ImageData;
  /** The classes found, ascending. */
  present: ClassPresent[];
}

export interface DepthResult extends ResultBase {
  task: 'depth';
  /** Depth of every pixel, in the model's units (metres, or relative inverse depth). */
  depth: Float32Array;
  /** The depths drawn with the first and last colour of the colour map. */
  range: [number, number];
  colormap: 'magma';
}

export type PredictResult = SegmentationResult | DepthResult;

/** What a result shows, before its size and timing are added. */
type Pictures<R extends PredictResult> = Omit<R, keyof ResultBase> & Pick<ResultBase, 'overlay'>;

const now = () => performance.now();

export class SegvitModel {
  constructor(
    readonly manifest: ExportManifest,
    readonly model: Segmentor,
    readonly transforms: readonly Transform[],
    readonly meta: DatasetMeta,
    readonly backend: BackendChoice,
    /** Milliseconds `loadModel` took (fetch, backend, build, weights). */
    readonly loadMs: number,
  ) {}

  get task(): 'segmentation' | 'depth' {
    return this.meta.task;
  }

  /** Segment the image (or estimate its depth) at its own size. */
  async predict(input: ImageInput, options: PredictOptions = {}): Promise<PredictResult> {
    const opacity = options.opacity ?? 0.5;
    if (!(opacity >= 0 && opacity <= 1)) throw new RangeError(`predict: opacity must be in [0, 1], got ${opacity}`);
    const t0 = now();
    const prepared = await prepareImage(this.transforms, this.meta, toImage(input));
    const t1 = now();
    const output = this.meta.task === 'depth' ? depthOfPrepared(this.model, prepared) : segmentPrepared(this.model, prepared);
    const values = await readAndDispose(output);
    const t2 = now();
    const { image } = prepared;
    const pictures =
      this.meta.task === 'depth'
        ? this.#depthPictures(values as Float32Array, image)
        : this.#segmentationPictures(Uint8Array.from(values), image, opacity);
    const t3 = now();
    const timing = { preprocessMs: t1 - t0, inferenceMs: t2 - t1, postprocessMs: t3 - t2, totalMs: t3 - t0 };
    const result: PredictResult = { ...pictures, width: image.width, height: image.height, timing };
    if (options.raw) {
      const raw = modelOutput(this.model, prepared);
      const shape = raw.shape;
      result.raw = { data: (await readAndDispose(raw)) as Float32Array, shape };
    }
    return result;
  }

  #segmentationPictures(labels: Uint8Array, image: Image, opacity: number): Pictures<SegmentationResult> {
    const label = { data: labels, height: image.height, width: image.width };
    const { classes, palette, ignoreIndex } = this.meta;
    const colored = colorize(label, palette, ignoreIndex);
    const present = labelsPresent(label)
      .filter((id) => id < classes.length)
      .map((id) => ({ id, name: classes[id], color: palette[id] }));
    const blended = overlay(image, colored, opacity, label, ignoreIndex);
    return { task: 'segmentation', labels, mask: toImageData(colored), overlay: toImageData(blended), present };
  }

  #depthPictures(depth: Float32Array, image: Image): Pictures<DepthResult> {
    const colored = colorizeDepth({ data: depth, height: image.height, width: image.width });
    return { task: 'depth', depth, range: validRange(depth), colormap: 'magma', overlay: toImageData(colored) };
  }

  /** Free the model's weights (the backend keeps running). */
  dispose(): void {
    this.model.dispose();
  }
}

async function readAndDispose(t: tf.Tensor): Promise<Float32Array | Int32Array | Uint8Array> {
  try {
    return (await t.data()) as Float32Array | Int32Array | Uint8Array;
  } finally {
    t.dispose();
  }
}

/** The export folder's URL with a trailing slash (a URL ending in model.json: its folder), absolute. */
function folderOf(url: string): string {
  const base = typeof location === 'undefined' ? undefined : location.href;
  const absolute = new URL(url, base).href;
  if (absolute.endsWith(`/${MANIFEST_FILE}`)) return absolute.slice(0, -MANIFEST_FILE.length);
  return absolute.endsWith('/') ? absolute : `${absolute}/`;
}

/** Fetch the export at `url` (its folder, or its model.json) and build the model on the first backend that works. */
export async function loadModel(url: string, options: LoadModelOptions = {}): Promise<SegvitModel> {
  const start = now();
  const folder = folderOf(url);
  const manifestUrl = folder + MANIFEST_FILE;
  const manifest = parseManifest(await fetchManifest(manifestUrl), manifestUrl);
  const meta = exportMeta(manifest);
  // the transforms are checked before the weights' download, which can take long
  const transforms = manifest.preprocessing.pipeline.map((t, i) => registries.transform.build(t as never, `${manifestUrl}: preprocessing.pipeline[${i}]`));
  const backend = await selectBackend(options);
  const weightsUrl = folder + manifest.weights.file;
  const bytes = await fetchBytes(weightsUrl, manifest.weights.file, options.onProgress);
  const model = build(manifest, manifestUrl);
  try {
    loadWeights(model, bytes, { strict: 'model', name: weightsUrl });
  } catch (err) {
    model.dispose();
    throw new ExportError(`${(err as Error).message}; ${weightsUrl} does not fit ${manifestUrl}: export the model again`);
  }
  return new SegvitModel(manifest, model, transforms, meta, backend, now() - start);
}

function build(manifest: ExportManifest, where: string): Segmentor {
  try {
    // every parameter is loaded next, strictly: drawing their initial values would only cost time
    return withoutRandomInit(() => registries.segmentor.build(exportModelConfig(manifest) as never, `${where}: model`)).eval() as Segmentor;
  } catch (err) {
    const by = `segvit ${manifest.segvit}`;
    throw new ExportError(`${(err as Error).message}: this page cannot build the exported model (exported by ${by}); export it with this version`);
  }
}
