import { expect } from 'chai';
import type { Layout } from '../../lib/nn/module.js';
import { fromTorch, gatherStrided, permute, toTorch, torchShape } from '../../lib/weights/index.js';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('weights/layout', () => {
  it('linear: torch [out=2, in=3] becomes tf [in=3, out=2]', () => {
    const got = fromTorch('linear', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(got.shape).to.deep.equal([3, 2]);
    expect([...got.data]).to.deep.equal([1, 4, 2, 5, 3, 6]);
  });

  it('conv: torch [out=2, in=3, kh=1, kw=2] becomes tf [kh, kw, in, out]', () => {
    // torch element [o, i, 0, w] = o*6 + i*2 + w; tf element [0, w, i, o] at flat (w*3 + i)*2 + o
    const got = fromTorch('conv', [2, 3, 1, 2], iota(12));
    expect(got.shape).to.deep.equal([1, 2, 3, 2]);
    expect([...got.data]).to.deep.equal([0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11]);
  });

  it('conv 1D and 3D kernels', () => {
    // conv1d torch [out=2, in=1, k=3]: [o, 0, k] = o*3 + k -> tf [k, 1, o]
    const one = fromTorch('conv', [2, 1, 3], iota(6));
    expect(one.shape).to.deep.equal([3, 1, 2]);
    expect([...one.data]).to.deep.equal([0, 3, 1, 4, 2, 5]);
    // conv3d torch [out=2, in=1, 1, 1, 2]: [o, 0, 0, 0, w] = o*2 + w -> tf [1, 1, w, 1, o]
    const three = fromTorch('conv', [2, 1, 1, 1, 2], iota(4));
    expect(three.shape).to.deep.equal([1, 1, 2, 1, 2]);
    expect([...three.data]).to.deep.equal([0, 2, 1, 3]);
  });

  it('conv_transpose: torch [in=2, out=3, kh=2, kw=1] becomes tf [kh, kw, out, in]', () => {
    // torch element [i, o, h, 0] = i*6 + o*2 + h; tf element [h, 0, o, i] at flat (h*3 + o)*2 + i
    const got = fromTorch('conv_transpose', [2, 3, 2, 1], iota(12));
    expect(got.shape).to.deep.equal([2, 1, 3, 2]);
    expect([...got.data]).to.deep.equal([0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11]);
  });

  it('same: identity, but a fresh array', () => {
    const data = new Int32Array([5, 6, 7]);
    const got = fromTorch('same', [3], data);
    expect([...got.data]).to.deep.equal([5, 6, 7]);
    expect(got.data).to.be.instanceOf(Int32Array);
    expect(got.data).not.to.equal(data);
  });

  it('toTorch inverts fromTorch (and the converse) for every layout', () => {
    const cases: [Layout, number[]][] = [
      ['same', [4, 3, 2]],
      ['linear', [5, 3]],
      ['conv', [4, 2, 3, 2]],
      ['conv', [3, 2, 2, 3, 2]],
      ['conv_transpose', [2, 4, 3, 1]],
    ];
    for (const [layout, shape] of cases) {
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => Math.random());
      const tf = fromTorch(layout, shape, data);
      const back = toTorch(layout, tf.shape, tf.data);
      expect(back.shape, layout).to.deep.equal(shape);
      expect([...back.data], layout).to.deep.equal([...data]);
      expect(torchShape(layout, tf.shape), layout).to.deep.equal(shape);
      const again = fromTorch(layout, back.shape, back.data);
      expect([...again.data], layout).to.deep.equal([...tf.data]);
    }
  });

  it('rejects ranks a layout cannot have', () => {
    expect(() => fromTorch('linear', [2, 3, 4], iota(24))).to.throw(
      "layout 'linear' needs a 2-D tensor, got shape [2,3,4]",
    );
    expect(() => torchShape('conv', [3, 3])).to.throw(/rank >= 3/);
  });

  it('permute: output axis i is input axis perm[i]', () => {
    // input [2, 3, 2]: element [a, b, c] = a*6 + b*2 + c; output [c, a, b]
    const got = permute(iota(12), [2, 3, 2], [2, 0, 1]);
    expect(got.shape).to.deep.equal([2, 2, 3]);
    expect([...got.data]).to.deep.equal([0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11]);
    expect(() => permute(iota(6), [2, 3], [0, 0])).to.throw(/does not fit/);
  });

  it('gatherStrided materialises a non-contiguous view with an offset', () => {
    // storage 0..11 viewed from offset 1 with size [2, 3], stride [1, 4]: element [r, c] = 1 + r + 4c
    const got = gatherStrided(iota(12), 1, [2, 3], [1, 4]);
    expect([...got]).to.deep.equal([1, 5, 9, 2, 6, 10]);
    expect([...gatherStrided(iota(12), 7, [], [])]).to.deep.equal([7]);
    expect([...gatherStrided(iota(12), 0, [2, 0], [1, 1])]).to.deep.equal([]);
  });
});
