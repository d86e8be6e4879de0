import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { SegDataPreProcessor } from '../../lib/segmentors/data-preprocessor.js';

const img = () => tf.tensor4d([10, 20, 30, 40, 50, 60], [1, 1, 2, 3]);

describe('SegDataPreProcessor', () => {
  it('normalises per channel, keeping RGB when bgr_to_rgb (the model wants RGB)', () => {
    const p = new SegDataPreProcessor({ mean: [10, 20, 30], std: [2, 4, 5], bgr_to_rgb: true });
    expect(Array.from(p.forward(img()).images.dataSync())).to.deep.equal([0, 0, 0, 15, 7.5, 6]);
  });

  it('gives the model BGR when bgr_to_rgb is false', () => {
    const p = new SegDataPreProcessor({ bgr_to_rgb: false });
    expect(Array.from(p.forward(img()).images.dataSync())).to.deep.equal([30, 20, 10, 60, 50, 40]);
  });

  it('pads training batches to size after normalising: images with pad_val, labels with seg_pad_val', () => {
    const p = new SegDataPreProcessor({ mean: [10, 20, 30], std: [1, 1, 1], size: [2, 3] });
    const { images, targets } = p.forward(img(), { label: tf.tensor3d([1, 2], [1, 1, 2], 'int32') }, true);
    expect(images.shape).to.deep.equal([1, 2, 3, 3]);
    expect(Array.from(images.dataSync()).slice(0, 9)).to.deep.equal([0, 0, 0, 30, 30, 30, 0, 0, 0]);
    expect(Array.from(targets.label!.dataSync())).to.deep.equal([1, 2, 255, 255, 255, 255]);
    // not at test time: only size_divisor applies there
    expect(p.forward(img(), undefined, false).images.shape).to.deep.equal([1, 1, 2, 3]);
  });

  it('pads to a multiple of size_divisor, and names a size smaller than the batch', () => {
    expect(new SegDataPreProcessor({ size_divisor: 4 }).forward(img()).images.shape).to.deep.equal([1, 4, 4, 3]);
    expect(() => new SegDataPreProcessor({ size: [1, 1] }).forward(img(), undefined, true)).to.throw(
      'data_preprocessor.size [1,1] is smaller than the batch [1, 2]',
    );
    expect(() => new SegDataPreProcessor({ mean: [1, 2, 3] })).to.throw('mean and std must be given together');
  });
});
