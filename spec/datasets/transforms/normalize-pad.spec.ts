import { expect } from 'chai';
import { KBCrop } from '../../../datasets/transforms/kb-crop.js';
import { Normalize } from '../../../datasets/transforms/normalize.js';
import { Pad } from '../../../datasets/transforms/pad.js';
import { sample, values } from './helpers.js';

describe('transforms: Normalize', () => {
  it('gives a float32 image (x − mean) / std per channel', () => {
    const out = new Normalize({ mean: [0, 10, 20], std: [2, 4, 5] }).apply(sample(1, 2, [10, 20, 30, 40, 50, 60]));
    expect(out.img!.data).to.be.instanceOf(Float32Array);
    const got = values(out.img!.data);
    [5, 2.5, 2, 20, 10, 8].forEach((v, i) => expect(got[i]).to.be.closeTo(v, 1e-6));
  });

  it('with to_rgb false gives BGR order, mean and std in that order', () => {
    const out = new Normalize({ mean: [0, 10, 20], std: [2, 4, 5], to_rgb: false }).apply(sample(1, 1, [10, 20, 30]));
    const got = values(out.img!.data);
    [15, 2.5, -2].forEach((v, i) => expect(got[i]).to.be.closeTo(v, 1e-6));
  });

  it('names the file when channels and mean disagree', () => {
    expect(() => new Normalize({ mean: [0], std: [1] }).apply(sample(1, 1, [1, 2, 3]))).to.throw(
      'Normalize: img.png has 3 channels but mean and std have 1',
    );
  });
});

describe('transforms: Pad', () => {
  const s = () => sample(2, 3, [1, 2, 3, 4, 5, 6], { labels: [0, 1, 2, 3, 4, 5], depth: [1, 2, 3, 4, 5, 6] });

  it('pads the image with pad_val, labels with seg_pad_val (255) and depth with 0, bottom and right', () => {
    const out = new Pad({ size: [3, 4] }).apply(s());
    expect(values(out.img!.data)).to.deep.equal([1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
    expect(values(out.gtSegMap!.data)).to.deep.equal([0, 1, 2, 255, 3, 4, 5, 255, 255, 255, 255, 255]);
    expect(values(out.gtDepthMap!.data)).to.deep.equal([1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0]);
    expect(out.padShape).to.deep.equal([3, 4]);
    expect(out.imgShape).to.equal(undefined);
  });

  it('pads to a multiple of size_divisor, with other pad values', () => {
    const out = new Pad({ size_divisor: 4, pad_val: 9, seg_pad_val: 7 }).apply(s());
    expect(out.padShape).to.deep.equal([4, 4]);
    expect(values(out.img!.data).slice(0, 8)).to.deep.equal([1, 2, 3, 9, 4, 5, 6, 9]);
    expect(values(out.gtSegMap!.data).slice(8)).to.deep.equal([7, 7, 7, 7, 7, 7, 7, 7]);
    expect(new Pad({ size_divisor: 3 }).apply(s()).padShape).to.deep.equal([3, 3]);
  });

  it('refuses to pad to a smaller size, naming the file', () => {
    expect(() => new Pad({ size: [1, 4] }).apply(s())).to.throw(/img.png is 2x3, larger than the pad size 1x4/);
  });
});

describe('transforms: KBCrop', () => {
  it('cuts height×width at the bottom, centred (left = int((W − w) / 2)), image and depth alike', () => {
    const pixels = Array.from({ length: 35 }, (_, i) => i);
    const s = sample(5, 7, pixels, { depth: pixels.map((v) => v / 10) });
    const out = new KBCrop({ height: 2, width: 3 }).apply(s);
    // top = 5 − 2 = 3, left = int(4 / 2) = 2: rows 3-4, columns 2-4.
    expect(values(out.img!.data)).to.deep.equal([23, 24, 25, 30, 31, 32]);
    expect(values(out.gtDepthMap!.data).map((v) => Math.round(v * 10))).to.deep.equal([23, 24, 25, 30, 31, 32]);
    expect(out.imgShape).to.deep.equal([2, 3]);
  });

  it('defaults to the 352×1216 KITTI crop and refuses smaller images', () => {
    const k = new KBCrop();
    expect([k.height, k.width]).to.deep.equal([352, 1216]);
    expect(() => k.apply(sample(2, 2, [0, 0, 0, 0]))).to.throw(/smaller than the 352x1216 crop/);
  });
});
