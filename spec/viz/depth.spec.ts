import { expect } from 'chai';
import type { DepthMap, Image } from '../../datasets/types.js';
import { colormap } from '../../lib/viz/colormaps.js';
import { colorizeDepth } from '../../lib/viz/depth.js';

/** 2×2 depth: 1 m, 3 m / invalid, 2 m. */
const depth = (): DepthMap => ({ data: Float32Array.from([1, 3, 0, 2]), height: 2, width: 2 });
const pixels = (image: Image): number[][] =>
  [0, 1, 2, 3].map((i) => [...image.data.subarray(3 * i, 3 * i + 3)]);

describe('depth', () => {
  it("has 256-colour tables equal to matplotlib's bytes (ends of each map)", () => {
    const ends = (name: 'magma' | 'turbo' | 'viridis') => {
      const t = colormap(name);
      return [[...t.subarray(0, 3)], [...t.subarray(765, 768)], t.length];
    };
    expect(ends('magma')).to.deep.equal([[0, 0, 3], [251, 252, 191], 768]);
    expect(ends('viridis')).to.deep.equal([[68, 1, 84], [253, 231, 36], 768]);
    expect(ends('turbo')).to.deep.equal([[48, 18, 59], [122, 4, 2], 768]);
    expect(() => colormap('jet' as 'magma')).to.throw(/no colour map named 'jet'/);
  });

  it('maps the smallest depth to the first colour, the largest to the last, invalid to black', () => {
    const t = colormap('turbo');
    const out = colorizeDepth(depth(), { cmap: 'turbo' });
    expect(out).to.include({ height: 2, width: 2, channels: 3 });
    const [near, far, invalid, middle] = pixels(out);
    expect(near).to.deep.equal([...t.subarray(0, 3)]);
    expect(far).to.deep.equal([...t.subarray(765, 768)]);
    expect(invalid).to.deep.equal([0, 0, 0]);
    expect(middle).to.deep.equal([...t.subarray(3 * 128, 3 * 128 + 3)]); // floor(0.5 · 256), as matplotlib
  });

  it('takes min and max, clamping depths outside them (magma by default)', () => {
    const t = colormap('magma');
    const [near, far, , middle] = pixels(colorizeDepth(depth(), { min: 1.5, max: 2 }));
    expect(near).to.deep.equal([...t.subarray(0, 3)]);
    expect(far).to.deep.equal([...t.subarray(765, 768)]);
    expect(middle).to.deep.equal([...t.subarray(765, 768)]);
  });

  it('treats NaN and negative depths as invalid and draws a flat map with the first colour', () => {
    const t = colormap('viridis');
    const flat = { data: Float32Array.from([NaN, 2, -1, 2]), height: 2, width: 2 };
    const out = pixels(colorizeDepth(flat, { cmap: 'viridis' }));
    expect(out).to.deep.equal([[0, 0, 0], [...t.subarray(0, 3)], [0, 0, 0], [...t.subarray(0, 3)]]);
  });
});
