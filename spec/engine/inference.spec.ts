import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { predictLabels, predictProbabilities } from '../../lib/engine/inference.js';
import { slideInference, slideWindows } from '../../lib/segmentors/slide-inference.js';
import type { Segmentor } from '../../lib/segmentors/types.js';
import { maxAbsDiff } from '../helpers/backends.js';

/**
 * A stand-in segmentor whose logits depend on each pixel alone (3 channels -> 4 classes), counting its calls;
 * `predict` runs on the whole image, or on crops of `slide` [crop, stride].
 */
function pointwiseModel(slide?: [[number, number], [number, number]]) {
  const w = tf.keep(tf.tensor2d([1, -1, 0.5, 2, 0, 1, -2, 1, 3, 0.5, 1, -1], [3, 4]));
  const model = {
    calls: [] as number[][],
    decodeHead: { alignCorners: false },
    encodeDecode(img: tf.Tensor4D): tf.Tensor4D {
      model.calls.push(img.shape.slice(1, 3));
      return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(img, [-1, 3]), w), [img.shape[0], img.shape[1], img.shape[2], 4]) as tf.Tensor4D);
    },
    predict(img: tf.Tensor4D): tf.Tensor4D {
      return slide ? slideInference(img, ...slide, 4, (crop) => model.encodeDecode(crop)) : model.encodeDecode(img);
    },
  };
  return model as typeof model & Segmentor;
}

describe('inference', () => {
  it('places slide windows as mmseg: stride steps, the last window pushed back inside', () => {
    expect(slideWindows(512, 512, 341)).to.deep.equal([[0, 512]]);
    expect(slideWindows(683, 512, 341)).to.deep.equal([[0, 512], [171, 683]]);
    // (1200 - 512 + 340) // 341 + 1 = 4 windows, the last pushed back to end at 1200
    expect(slideWindows(1200, 512, 341)).to.deep.equal([[0, 512], [341, 853], [682, 1194], [688, 1200]]);
    expect(slideWindows(300, 512, 341)).to.deep.equal([[0, 300]]);
  });

  it('slide equals whole for a per-pixel model (overlaps averaged by the count map)', () => {
    const model = pointwiseModel();
    const img = tf.randomNormal([2, 37, 29, 3]) as tf.Tensor4D;
    const whole = model.encodeDecode(img);
    model.calls.length = 0;
    const slide = slideInference(img, [16, 16], [10, 10], 4, (crop) => model.encodeDecode(crop));
    expect(model.calls).to.have.length(12); // rows: 0, 10, 20, 21 (pushed back); columns: 0, 10, 13
    expect(model.calls.every(([h, w]) => h === 16 && w === 16)).to.equal(true);
    expect(maxAbsDiff(slide.dataSync(), whole.dataSync())).to.be.below(1e-5);
  });

  it('crops the logits of padding (size_divisor) before resizing to the original size, also under multi-scale', () => {
    const model = pointwiseModel();
    const img = tf.randomNormal([1, 10, 6, 3]) as tf.Tensor4D;
    // padded to 16 x 8 with large values that would dominate the resize if they were kept
    const padded = tf.pad(img, [[0, 0], [0, 6], [0, 2], [0, 0]], 50) as tf.Tensor4D;
    const expected = predictProbabilities(model, img, [20, 12]);
    const cropped = predictProbabilities(model, padded, [20, 12], {}, [10, 6]);
    expect(maxAbsDiff(cropped.dataSync(), expected.dataSync())).to.be.below(1e-5);
    const uncropped = predictProbabilities(model, padded, [20, 12]);
    expect(maxAbsDiff(uncropped.dataSync(), expected.dataSync())).to.be.above(0.1);
    // at scale 2 the 32 x 16 logits keep their top-left 20 x 12
    const scaled = predictProbabilities(model, padded, [20, 12], { scales: [2] }, [10, 6]);
    expect(scaled.shape).to.deep.equal([1, 20, 12, 4]);
    tf.dispose([img, padded, expected, cropped, uncropped, scaled]);
  });

  it('averages softmax over scales and flips and returns labels at the original size', () => {
    const model = pointwiseModel();
    const img = tf.randomNormal([1, 8, 6, 3]) as tf.Tensor4D;
    const plain = predictProbabilities(model, img, [16, 12]);
    expect(plain.shape).to.deep.equal([1, 16, 12, 4]);
    const sums = tf.sum(plain, -1).dataSync();
    expect(Math.max(...Array.from(sums, (v) => Math.abs(v - 1)))).to.be.below(1e-5);
    // a per-pixel model is flip-equivariant: flip TTA changes nothing
    const flipped = predictProbabilities(model, img, [16, 12], { flip: true });
    expect(maxAbsDiff(flipped.dataSync(), plain.dataSync())).to.be.below(1e-5);
    const labels = predictLabels(model, img, [16, 12], { scales: [0.5, 1, 1.5] });
    expect(labels.shape).to.deep.equal([1, 16, 12]);
    expect(labels.dtype).to.equal('int32');
  });

  it('leaves no tensors behind', () => {
    const model = pointwiseModel([[12, 12], [8, 8]]);
    const img = tf.randomNormal([1, 20, 20, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = predictLabels(model, img, [20, 20], { flip: true, scales: [1, 1.25] });
    out.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });
});
