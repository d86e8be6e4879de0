import { expect } from 'chai';
import { Rng } from '../../../lib/random.js';
import { RandomFlip } from '../../../datasets/transforms/random-flip.js';
import { sample, ScriptedRng, values } from './helpers.js';

/** 2×3 RGB image whose pixel (y, x) is [10y + x, 0, 1], with labels 3y + x and depth (3y + x) / 2. */
const s = () =>
  sample(2, 3, [0, 1, 2, 10, 11, 12].flatMap((v) => [v, 0, 1]), {
    labels: [0, 1, 2, 3, 4, 5],
    depth: [0, 0.5, 1, 1.5, 2, 2.5],
  });
const red = (img: { data: ArrayLike<number> }) => values(img.data).filter((_, i) => i % 3 === 0);

describe('transforms: RandomFlip', () => {
  it('mirrors image, labels and depth left-right together when u < prob, keeping channel order', () => {
    const out = new RandomFlip({ prob: 0.5 }).apply(s(), new ScriptedRng([0.49]));
    expect(out.flip).to.equal(true);
    expect(values(out.img!.data).slice(0, 6)).to.deep.equal([2, 0, 1, 1, 0, 1]);
    expect(red(out.img!)).to.deep.equal([2, 1, 0, 12, 11, 10]);
    expect(values(out.gtSegMap!.data)).to.deep.equal([2, 1, 0, 5, 4, 3]);
    expect(values(out.gtDepthMap!.data)).to.deep.equal([1, 0.5, 0, 2.5, 2, 1.5]);
  });

  it('flips upside down with direction vertical', () => {
    const out = new RandomFlip({ prob: 1, direction: 'vertical' }).apply(s(), new Rng(0));
    expect(red(out.img!)).to.deep.equal([10, 11, 12, 0, 1, 2]);
    expect(values(out.gtSegMap!.data)).to.deep.equal([3, 4, 5, 0, 1, 2]);
    expect(values(out.gtDepthMap!.data)).to.deep.equal([1.5, 2, 2.5, 0, 0.5, 1]);
  });

  it('leaves the sample as it is when u ≥ prob, with flip false', () => {
    const input = s();
    const out = new RandomFlip({ prob: 0.5 }).apply(input, new ScriptedRng([0.5]));
    expect(out.flip).to.equal(false);
    expect(out.img).to.equal(input.img);
    expect(new RandomFlip({ prob: 0 }).apply(s(), new Rng(3)).flip).to.equal(false);
  });
});
