/** The axial montage of a 3D prediction: slice choice, layout, grey scaling and label colours. */
import { expect } from 'chai';
import type { Grid3 } from '../../datasets/types.js';
import { axialMontage } from '../../lib/viz/montage.js';

describe('axial montage', () => {
  it('lays out evenly spaced slices, greys between the 1st and 99th percentiles, colours foreground only', () => {
    const [D, H, W] = [8, 2, 3];
    // slice z has intensity z everywhere; one voxel of class 1 in slice 5
    const image: Grid3<Float32Array> = { data: Float32Array.from({ length: D * H * W }, (_, v) => Math.floor(v / (H * W))), shape: [D, H, W], channels: 1 };
    const labels = new Uint8Array(D * H * W);
    labels[5 * H * W] = 1;
    const m = axialMontage(image, labels, [[0, 0, 0], [255, 0, 0]], { slices: 4, columns: 2, opacity: 1 });
    expect([m.height, m.width, m.channels]).to.deep.equal([4, 6, 3]);
    // slices 1, 3, 5, 7 (floor((i + 0.5) · 8 / 4)); intensities 0..7 scale to 0..255 (percentiles 0 and 7)
    const pixel = (y: number, x: number) => Array.from(m.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3));
    expect(pixel(0, 0)).to.deep.equal([36, 36, 36]); // slice 1: round(255 / 7)
    expect(pixel(0, 3)).to.deep.equal([109, 109, 109]); // slice 3
    expect(pixel(2, 0)).to.deep.equal([255, 0, 0]); // slice 5, its class-1 voxel
    expect(pixel(2, 1)).to.deep.equal([182, 182, 182]); // slice 5, background keeps the image
    expect(pixel(3, 5)).to.deep.equal([255, 255, 255]); // slice 7
  });
});
