import { expect } from 'chai';
import { Rng } from '../../../lib/random.js';
import { RandomCrop } from '../../../datasets/transforms/random-crop.js';
import { pick, sample, ScriptedRng, values } from './helpers.js';

/** A 4×4 image whose pixel (y, x) is 10y + x, labels: class 0 in columns 0-1, class 1 in columns 2-3. */
const grid = () =>
  sample(4, 4, Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4)), {
    labels: Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0 : 1)),
    depth: Array.from({ length: 16 }, (_, i) => i / 2),
  });

/** Scripted draws of crop offsets (top, left), each in [0, 2] for a 2×2 crop of a 4×4 image. */
const boxes = (...offsets: [number, number][]) => offsets.flatMap(([t, l]) => [pick(t, 3), pick(l, 3)]);

describe('transforms: RandomCrop', () => {
  it('cuts the image, labels and depth at the same offset, top uniform in [0, H − h], left in [0, W − w]', () => {
    const out = new RandomCrop({ crop_size: [2, 3] }).apply(grid(), new ScriptedRng([pick(1, 3), pick(1, 2)]));
    expect(values(out.img!.data)).to.deep.equal([11, 12, 13, 21, 22, 23]);
    expect(values(out.gtSegMap!.data)).to.deep.equal([0, 1, 1, 0, 1, 1]);
    expect(values(out.gtDepthMap!.data)).to.deep.equal([2.5, 3, 3.5, 4.5, 5, 5.5]);
    expect(out.imgShape).to.deep.equal([2, 3]);
  });

  it('cuts an image smaller than the crop to its own size on that axis', () => {
    const s = sample(3, 5, Array.from({ length: 15 }, (_, i) => i));
    const out = new RandomCrop({ crop_size: [4, 4] }).apply(s, new ScriptedRng([pick(0, 1), pick(1, 2)]));
    expect(out.imgShape).to.deep.equal([3, 4]);
    expect(values(out.img!.data)).to.deep.equal([1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14]);
  });

  it('with cat_max_ratio < 1 redraws while the crop holds one class only', () => {
    const rng = new ScriptedRng(boxes([0, 0], [1, 2], [2, 1]));
    const out = new RandomCrop({ crop_size: [2, 2], cat_max_ratio: 0.75 }).apply(grid(), rng);
    // (0,0) is all class 0, (1,2) all class 1; (2,1) spans columns 1-2: half and half.
    expect(values(out.img!.data)).to.deep.equal([21, 22, 31, 32]);
    expect(rng.left).to.equal(0);
  });

  it('rejects a crop whose largest class is exactly cat_max_ratio (mmseg keeps it only below)', () => {
    const s = sample(2, 4, new Array(8).fill(0), { labels: [0, 0, 1, 1, 0, 0, 0, 1] });
    // Crop 2×2 at left 1: labels [0, 1, 0, 0]: class 0 covers 3/4. At left 2: [1, 1, 0, 1]: class 1 covers 3/4.
    // At left 0: [0, 0, 0, 0]. Only ratio < 0.75 passes, so all three fail; the 11th draw is used unchecked.
    const lefts = [1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2];
    const rng = new ScriptedRng(lefts.flatMap((l) => [pick(0, 1), pick(l, 3)]));
    const out = new RandomCrop({ crop_size: [2, 2], cat_max_ratio: 0.75 }).apply(s, rng);
    expect(values(out.gtSegMap!.data)).to.deep.equal([1, 1, 0, 1]);
    expect(rng.left).to.equal(0);
    const loose = new RandomCrop({ crop_size: [2, 2], cat_max_ratio: 0.8 }).apply(s, new ScriptedRng(boxes([0, 1])));
    expect(values(loose.gtSegMap!.data)).to.deep.equal([0, 1, 0, 0]);
  });

  it('does not count ignore_index as a class', () => {
    const s = sample(2, 4, new Array(8).fill(0), { labels: [0, 255, 3, 3, 0, 255, 3, 4] });
    // Left 0: [0, 255, 0, 255] has one class besides ignore -> redraw; left 1: [255, 3, 255, 3] likewise;
    // left 2: [3, 3, 3, 4]: 3/4 of class 3, fine under 0.8.
    const rng = new ScriptedRng([0, 1, 2].flatMap((l) => [pick(0, 1), pick(l, 3)]));
    const out = new RandomCrop({ crop_size: [2, 2], cat_max_ratio: 0.8 }).apply(s, rng);
    expect(values(out.gtSegMap!.data)).to.deep.equal([3, 3, 3, 4]);
  });

  it('after 10 failed checks keeps the 11th draw', () => {
    const draws: [number, number][] = [...new Array(10).fill([0, 0]), [2, 2]];
    const rng = new ScriptedRng(boxes(...draws));
    const out = new RandomCrop({ crop_size: [2, 2], cat_max_ratio: 0.75 }).apply(grid(), rng);
    expect(values(out.img!.data)).to.deep.equal([22, 23, 32, 33]);
    expect(rng.left).to.equal(0);
  });

  it('with a seeded rng keeps the first balanced draw, or the 11th', () => {
    const crop = new RandomCrop({ crop_size: [2, 2], cat_max_ratio: 0.75 });
    // Rng(1) draws (top, left) = (1, 0): one class; then (1, 1): balanced.
    expect(values(crop.apply(grid(), new Rng(1)).img!.data)).to.deep.equal([11, 12, 21, 22]);
    // Rng(5) never draws left 1 in 11 boxes: (1,2) (2,0) (1,2) (0,2) (2,2) (1,2) (1,2) (1,0) (2,0) (0,0) (1,2).
    expect(values(crop.apply(grid(), new Rng(5)).img!.data)).to.deep.equal([12, 13, 22, 23]);
  });

  it('needs labels when cat_max_ratio < 1', () => {
    const s = sample(4, 4, new Array(16).fill(0));
    expect(() => new RandomCrop({ crop_size: [2, 2], cat_max_ratio: 0.5 }).apply(s, new Rng(0))).to.throw(
      /cat_max_ratio < 1 needs the label map of img.png/,
    );
  });
});
