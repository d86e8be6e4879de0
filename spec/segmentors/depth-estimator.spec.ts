/**
 * DepthEstimator training: the head's depth losses (loss_decode) against depth maps, the prediction resized to the
 * maps' size, gradients reaching every parameter, the loss falling; the data preprocessor padding depth with 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { VisionTransformer } from '../../lib/backbones/vit.js';
import { DPTHead, type DPTHeadOptions } from '../../heads/dpt.js';
import { CrossEntropyLoss, L1Loss, ScaleShiftInvariantLoss, SiLogLoss } from '../../lib/losses/index.js';
import { manualSeed } from '../../lib/random.js';
import { DepthEstimator, SegDataPreProcessor, totalLoss } from '../../lib/segmentors/index.js';

const depthHead = (o: Partial<DPTHeadOptions> = {}) =>
  new DPTHead({ in_channels: [16, 16, 16, 16], channels: 16, num_classes: 1, task: 'depth', post_process_channels: [8, 8, 16, 16], align_corners: true, ...o });

const vitDepth = (o: Partial<DPTHeadOptions> = {}) =>
  new DepthEstimator({
    backbone: new VisionTransformer({ img_size: 32, embed_dims: 16, num_layers: 4, num_heads: 2, out_indices: [0, 1, 2, 3], output_cls_token: true }),
    decode_head: depthHead(o),
  });

const swinDepth = (o: Partial<DPTHeadOptions> = {}) =>
  new DepthEstimator({
    backbone: new SwinTransformer({ embed_dims: 16, depths: [1, 1, 1, 1], num_heads: [1, 2, 2, 4], window_size: 4, drop_path_rate: 0 }),
    decode_head: depthHead({ in_channels: [16, 32, 64, 128], reassemble: [false, false, false, false], ...o }),
  });

/** A floor seen from above: depth growing down the rows from 1 to 4 m, a hole (0) every 7th pixel. */
function ramp(b: number, h: number, w: number): tf.Tensor3D {
  const data = Float32Array.from({ length: b * h * w }, (_, i) => (i % 7 === 0 ? 0 : 1 + (3 * Math.floor((i % (h * w)) / w)) / (h - 1)));
  return tf.tensor3d(data, [b, h, w]);
}

describe('DepthEstimator training', function () {
  this.timeout(120000);

  it('DPTHead picks its default losses by task: SSI for relative depth, SILog with invert, CE for segmentation', () => {
    const heads = [depthHead(), depthHead({ invert: true, scale: 2, shift: 0.5 }), depthHead({ task: 'segmentation', num_classes: 3 })];
    expect(heads[0].depthLosses.map((l) => l.constructor)).to.deep.equal([ScaleShiftInvariantLoss]);
    expect(heads[1].depthLosses.map((l) => l.constructor)).to.deep.equal([SiLogLoss]);
    expect([heads[2].depthLosses.length, heads[2].losses.map((l) => l.constructor)]).to.deep.equal([0, [CrossEntropyLoss]]);
    expect(() => depthHead({ loss_decode: new CrossEntropyLoss() })).to.throw(
      "DPTHead task 'depth' trains with depth losses (ScaleShiftInvariantLoss, SiLogLoss, L1Loss), not loss_ce",
    );
    expect(() => depthHead({ loss_decode: [new L1Loss(), new CrossEntropyLoss()] })).to.throw('loss_decode mixes depth losses (loss_l1) with segmentation losses (loss_ce)');
    expect(() => depthHead({ task: 'segmentation', num_classes: 3, loss_decode: new SiLogLoss() })).to.throw(
      "DPTHead task 'segmentation' trains with segmentation losses, not loss_silog; set task 'depth'",
    );
    expect(() => heads[0].loss([], { label: tf.zeros([1, 4, 4], 'int32') as tf.Tensor3D })).to.throw(
      "DPTHead task 'depth' trains on depth maps (targets.depth, from a DepthEstimator), not on class labels",
    );
    expect(() => heads[2].loss([], { depth: tf.zeros([1, 4, 4]) as tf.Tensor3D })).to.throw(
      "DPTHead task 'segmentation' trains on class labels (targets.label, from an EncoderDecoder), not on depth maps: " +
        'a depth head has depth losses in loss_decode',
    );
    heads.forEach((h) => h.dispose());
  });

  it('depth_bias (default 1) opens the ReLU of a head trained from scratch; null keeps PyTorch init, where ViT + DPT starts dead', () => {
    const bias = (head: DPTHead) => Array.from(new Map(head.namedParameters()).get('scratch.output_conv.4.bias')!.dataSync());
    const heads = [depthHead(), depthHead({ depth_bias: 1.5 })];
    expect(heads.map(bias)).to.deep.equal([[1], [1.5]]);
    heads.forEach((h) => h.dispose());
    // with PyTorch's init this tiny ViT + DPT outputs 0 at every pixel: no gradient reaches any parameter
    manualSeed(0);
    const model = vitDepth({ depth_bias: null });
    const img = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const pred = model.predict(img);
    expect(tf.max(pred).dataSync()[0]).to.equal(0);
    tf.dispose([img, pred]);
    model.dispose();
  });

  it('losses are the loss_decode terms against the depth maps, the prediction resized to their size', () => {
    manualSeed(0);
    const model = vitDepth({ loss_decode: [new SiLogLoss(), new L1Loss({ loss_weight: 0.5 })] });
    const img = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const depth = ramp(2, 48, 40); // ground truth at another size than the input
    const losses = model.loss(img, { depth });
    expect(Object.keys(losses)).to.deep.equal(['decode.loss_silog', 'decode.loss_l1']);
    // the same as the losses of predict() resized by hand
    const pred = tf.image.resizeBilinear(tf.expandDims(model.predict(img), -1) as tf.Tensor4D, [48, 40], true);
    expect(losses['decode.loss_silog'].dataSync()[0]).to.be.closeTo(new SiLogLoss().forward(pred, depth).dataSync()[0], 1e-5);
    expect(losses['decode.loss_l1'].dataSync()[0]).to.be.closeTo(0.5 * new L1Loss().forward(pred, depth).dataSync()[0], 1e-5);
    tf.dispose([img, depth, pred, ...Object.values(losses)]);
    model.dispose();
  });

  for (const [name, build] of [['ViT', vitDepth], ['Swin, hierarchical maps', swinDepth]] as const) {
    it(`one step reaches every parameter (${name} + DPT depth head, SSI loss)`, () => {
      manualSeed(0);
      const model = build();
      const img = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const depth = ramp(2, 64, 64);
      const params = model.trainableParameters();
      const { value, grads } = tf.variableGrads(() => totalLoss(model.loss(img, { depth })), params.map(([, v]) => v));
      const silent = params.filter(([, v]) => !grads[v.name] || tf.max(tf.abs(grads[v.name])).dataSync()[0] === 0).map(([k]) => k);
      expect(silent).to.deep.equal([]);
      expect(params.length).to.be.greaterThan(60);
      tf.dispose([value, img, depth, ...Object.values(grads)]);
      model.dispose();
    });
  }

  for (const loss of ['SSI', 'SILog'] as const) {
    it(`a few steps lower the ${loss} loss without leaking tensors`, () => {
      manualSeed(0);
      const model = vitDepth(loss === 'SSI' ? {} : { loss_decode: new SiLogLoss() });
      const img = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const depth = ramp(2, 64, 64);
      const optimizer = tf.train.adam(2e-3);
      const vars = model.trainableParameters().map(([, v]) => v);
      const history: number[] = [];
      const live: number[] = [];
      for (let step = 0; step < 8; step++) {
        const { value, grads } = tf.variableGrads(() => totalLoss(model.loss(img, { depth })), vars);
        optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
        history.push(value.dataSync()[0]);
        tf.dispose([value, ...Object.values(grads)]);
        live.push(tf.memory().numTensors);
      }
      expect(history[7], `losses ${history}`).to.be.below(history[0] * 0.7);
      expect(live.slice(1).every((n) => n === live[1]), `live tensors per step: ${live}`).to.equal(true);
      tf.dispose([img, depth]);
      optimizer.dispose();
      model.dispose();
    });
  }

  it('the data preprocessor pads depth maps with 0 (no ground truth), labels with seg_pad_val', () => {
    const pre = new SegDataPreProcessor({ size: [4, 5], seg_pad_val: 255 });
    const images = tf.ones([1, 3, 4, 3]) as tf.Tensor4D;
    const maps = tf.fill([1, 3, 4], 2) as tf.Tensor3D;
    const { images: padded, targets } = pre.forward(images, { depth: maps, label: maps }, true);
    expect(padded.shape).to.deep.equal([1, 4, 5, 3]);
    expect(Array.from(targets.depth!.dataSync())).to.deep.equal([2, 2, 2, 2, 0, 2, 2, 2, 2, 0, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(targets.label!.dataSync()).slice(15)).to.deep.equal([255, 255, 255, 255, 255]);
    tf.dispose([images, maps, padded, targets]);
  });
});
