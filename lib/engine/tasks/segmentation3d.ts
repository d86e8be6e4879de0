/**
 * Task 'segmentation3d' (EncoderDecoder3D): label volumes; DiceHD95Metric per organ and case on whole volumes
 * (sliding-window inference, HD95 in mm from the voxel spacing); `predict` writes a label NIfTI on the source grid
 * and affine, and a PNG montage of axial slices with the overlay.
 */
import * as tf from '@tensorflow/tfjs-core';
import { basename, join } from 'node:path';
import type { Batch } from '../../../datasets/loader/batch.js';
import { readNifti, writeNifti } from '../../../datasets/medical/nifti.js';
import { resize3d } from '../../../datasets/medical/volume-ops.js';
import { LoadBiomedicalImageFromFile } from '../../../datasets/medical/loading3d.js';
import type { DatasetMeta, Grid3, Shape3, Transform } from '../../../datasets/types.js';
import { writeAtomic } from '../../files.js';
import { DiceHD95Metric } from '../../metrics/dice-hd95-metric.js';
import { Rng, rng } from '../../random.js';
import type { EncoderDecoder3D } from '../../segmentors/encoder-decoder-3d.js';
import type { Segmentor } from '../../segmentors/types.js';
import { axialMontage } from '../../viz/montage.js';
import { writePng } from '../../viz/png.js';
import type { AugOptions } from '../inference.js';
import { formatDiceHD95 } from '../report.js';
import { metricOf, type Evaluator, type PredictOutputs, type Task } from './task.js';

/** nnU-Net's test-time augmentation: the 7 mirrored versions of every window. */
const MIRROR_AUG: AugOptions = { mirror: true };

/** The batch's volume shape and label volumes [B, D, H, W]; images, or volumes without labels, are an error that says what to load. */
function labelled(batch: Batch, model: string): { volumeShape: number[]; labels: Uint8Array; labelShape: number[] } {
  if (!batch.volumeShape) {
    throw new Error(`${model} takes volumes: load them with LoadBiomedicalImageFromFile (the pipeline gives images [${batch.shape}])`);
  }
  if (!batch.labels || !batch.labelVolumeShape) throw new Error(`${model} needs label volumes: add LoadBiomedicalAnnotation to the pipeline`);
  return { volumeShape: batch.volumeShape, labels: batch.labels, labelShape: batch.labelVolumeShape };
}

/** Class ids [D, H, W] of logits [D, H, W, K] (first maximum, as argmax). */
function argmaxLabels(logits: Float32Array, k: number): Uint8Array {
  const out = new Uint8Array(logits.length / k);
  for (let v = 0; v < out.length; v++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (logits[v * k + c]! > logits[v * k + best]!) best = c;
    out[v] = best;
  }
  return out;
}

/** Class ids of one volume [1, D, H, W, C] as the model's test_cfg (and `aug`) predict them. */
async function predictLabels(model: EncoderDecoder3D, volume: tf.Tensor5D, aug?: AugOptions, progress?: (done: number, total: number) => void) {
  const { logits, shape } = await model.predictVolume(volume, { mirror: aug?.mirror, progress });
  return argmaxLabels(logits, shape[3]);
}

/** Dice and HD95 (mm) per organ and case: each volume of the loader predicted whole, by sliding windows. */
function volumeEvaluator(model: EncoderDecoder3D, metric: DiceHD95Metric): Evaluator {
  return {
    metricNames: ['mDice', 'mHD95'],
    bestMetric: 'mDice',
    higherIsBetter: (name) => name !== 'mHD95',
    async evaluate(loader, options = {}) {
      const wasTraining = model.training;
      model.eval();
      metric.datasetMeta = { classes: loader.dataset.meta.classes };
      metric.reset();
      let done = 0;
      for await (const batch of loader.epoch(0)) {
        const { volumeShape, labels } = labelled(batch, model.constructor.name);
        const [b, d, h, w, c] = volumeShape as [number, number, number, number, number];
        const size = d * h * w;
        for (let i = 0; i < b; i++) {
          const volume = tf.tensor5d(batch.images.subarray(i * size * c, (i + 1) * size * c), [1, d, h, w, c]);
          const pred = await predictLabels(model, volume, options.aug, options.windows);
          volume.dispose();
          const sample = batch.samples[i]!;
          const name = sample.imgPath.replace(/^.*[\\/]/, '').replace(/\.nii(\.gz)?$/, '');
          metric.processCase(name, pred, labels.subarray(i * size, (i + 1) * size), [d, h, w], sample.spacing);
        }
        done += b;
        options.progress?.(done, loader.dataset.length);
      }
      model.train(wasTraining);
      const result = metric.compute();
      return { metrics: { mDice: result.mDice, mHD95: result.mHD95 }, report: formatDiceHD95(result), result };
    },
  };
}

/** The volume file read and through the test transforms: the sample, and the source volume (the NIfTI template). */
async function loadVolume(transforms: readonly Transform[], meta: DatasetMeta, imgPath: string) {
  let sample = await new LoadBiomedicalImageFromFile().apply({ index: 0, imgPath, meta });
  const generator = new Rng(0); // test transforms are deterministic; the generator is never drawn for them
  for (const t of transforms) sample = await t.apply(sample, generator);
  if (!sample.img3d) throw new Error(`${imgPath}: the test pipeline gives no volume`);
  return { sample, image: sample.img3d, source: await readNifti(imgPath) };
}

/** Labels on the pipeline's grid taken back to the source grid `shape` (nearest), when a transform resampled them. */
function onSourceGrid(labels: Grid3<Uint8Array>, shape: Shape3): Uint8Array {
  return labels.shape.join() === shape.join() ? labels.data : resize3d(labels, shape, 'nearest').data;
}

/** A label NIfTI on the source's grid and affine, and an axial montage PNG, per volume file. */
async function writePredictions(model: EncoderDecoder3D, o: PredictOutputs): Promise<void> {
  const { classes, palette } = o.meta;
  for (const [i, file] of o.files.entries()) {
    const { image, source } = await loadVolume(o.transforms, o.meta, file);
    const volume = tf.tensor5d(image.data, [1, ...image.shape, image.channels]);
    let shown = false;
    const pred = await predictLabels(model, volume, o.aug, (done, total) => (shown = process.stderr.write(`\r${file}: window ${done}/${total}`)));
    if (shown) process.stderr.write('\n');
    volume.dispose();
    const name = join(o.out, basename(file).replace(/\.nii(\.gz)?$/, ''));
    const shape = source.shape.slice(-3) as Shape3;
    await writeNifti(`${name}_label.nii.gz`, { data: onSourceGrid({ data: pred, shape: image.shape, channels: 1 }, shape), shape }, source);
    await writePng(`${name}_montage.png`, axialMontage(image, pred, palette, { opacity: o.opacity }));
    const present = [...new Set(pred)].sort((a, b) => a - b);
    console.log(`${i + 1}/${o.files.length} ${file}: ${present.map((c) => classes[c]).join(', ')} -> ${name}_{label.nii.gz,montage.png}`);
  }
  writeAtomic(join(o.out, 'classes.json'), new TextEncoder().encode(`${JSON.stringify({ classes, palette }, null, 1)}\n`));
}

export function segmentation3dTask(model: Segmentor): Task {
  const net = model as EncoderDecoder3D;
  return {
    model,
    testAug: MIRROR_AUG,
    targets(batch) {
      const { labels, labelShape } = labelled(batch, model.constructor.name);
      return { labelVolume: tf.tensor4d(Int32Array.from(labels), labelShape as [number, number, number, number], 'int32') };
    },
    randomTargets: (shape) => ({ labelVolume: tf.randomUniformInt(shape as [number, number, number, number], 0, model.decodeHead.numClasses, rng.seed()) as tf.Tensor4D }),
    evaluator(cfg, path) {
      return volumeEvaluator(net, metricOf<DiceHD95Metric>([DiceHD95Metric], cfg, path, '3D segmentor'));
    },
    predictFiles: (o) => writePredictions(net, o),
  };
}
