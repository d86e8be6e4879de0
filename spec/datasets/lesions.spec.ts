/**
 * ISIC-style lesion folders: images and 0/255 masks read through BaseSegDataset with `label_map {255: 1}` (as
 * configs/_base_/datasets/isic2018.json), evaluated by the segmentation task with BinarySegMetric. The model is a
 * stub that calls a pixel lesion when its red channel is bright, so the expected confusion is counted here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../lib/components.js';
import '../../datasets/index.js';
import { DataLoader } from '../../datasets/loader.js';
import { taskOf } from '../../lib/engine/tasks/index.js';
import type { Segmentor } from '../../lib/segmentors/types.js';
import { writeLabelPng, writePng } from '../../lib/viz/png.js';

const root = mkdtempSync(join(tmpdir(), 'segvit-isic-'));
const [H, W] = [8, 10];

/** Lesion where x < 4 + i; the image's red channel is bright where x < 5 (the stub's call). */
function writeCase(i: number): void {
  const mask = Uint8Array.from({ length: H * W }, (_, p) => (p % W < 4 + i ? 255 : 0));
  const rgb = Uint8Array.from({ length: H * W * 3 }, (_, q) => (q % 3 === 0 && Math.floor(q / 3) % W < 5 ? 220 : 30));
  writePng(join(root, 'images', `ISIC_000000${i}.png`), { data: rgb, height: H, width: W, channels: 3 });
  writeLabelPng(join(root, 'masks', `ISIC_000000${i}_segmentation.png`), { data: mask, height: H, width: W });
}

function redThreshold(): Segmentor {
  const model = {
    task: 'segmentation',
    training: false,
    eval: () => model,
    train: () => model,
    dataPreprocessor: { forward: (x: tf.Tensor4D) => ({ images: x }) },
    decodeHead: { alignCorners: false, numClasses: 2 },
    predict: (x: tf.Tensor4D) => tf.tidy(() => {
      const lesion = tf.cast(tf.greater(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), 127), 'float32');
      return tf.concat([tf.sub(1, lesion), lesion], 3);
    }),
  };
  return model as unknown as Segmentor;
}

describe('lesion folders (ISIC style) and BinarySegMetric', () => {
  it('reads 0/255 masks as class 1 and reports lesion Dice, IoU, sensitivity, specificity and accuracy', async () => {
    mkdirSync(join(root, 'images'));
    mkdirSync(join(root, 'masks'));
    [0, 1, 2].forEach(writeCase);
    const dataset = {
      type: 'BaseSegDataset',
      data_root: root,
      data_prefix: { img_path: 'images', seg_map_path: 'masks' },
      img_suffix: '.png',
      seg_map_suffix: '_segmentation.png',
      label_map: { 255: 1 },
      metainfo: { classes: ['background', 'lesion'] },
      pipeline: [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations' }],
    };
    const evaluator = taskOf(redThreshold()).evaluator({ type: 'BinarySegMetric' }, 'val_evaluator');
    const { metrics, report } = await evaluator.evaluate(await DataLoader.create({ datasetConfig: dataset, batchSize: 2 }));
    // per row: predicted x < 5; lesion x < 4, 5, 6 -> tp 4+5+5, fp 1+0+0, fn 0+0+1, tn 5+5+4 (times 8 rows)
    const [tp, fp, fn, tn] = [14 * 8, 1 * 8, 1 * 8, 14 * 8];
    const pct = (x: number) => Math.round(x * 10000) / 100;
    expect(metrics).to.deep.equal({
      Dice: pct((2 * tp) / (2 * tp + fp + fn)),
      IoU: pct(tp / (tp + fp + fn)),
      Sensitivity: pct(tp / (tp + fn)),
      Specificity: pct(tn / (tn + fp)),
      Accuracy: pct((tp + tn) / (tp + fp + fn + tn)),
    });
    expect(report).to.match(/Dice.*IoU.*Sensitivity.*Specificity.*Accuracy/s);
  });
});
