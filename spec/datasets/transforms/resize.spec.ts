import { expect } from 'chai';
import { Rng } from '../../../lib/random.js';
import { resizeBilinear, resizeNearest } from '../../../datasets/transforms/interpolate.js';
import type { Raster } from '../../../datasets/transforms/raster.js';
import { RandomResize, Resize, rescaleSize } from '../../../datasets/transforms/resize.js';
import { sample, values } from './helpers.js';

/**
 * 2×3 image [[10, 20, 30], [50, 61, 77]] resized to 4×6 with cv2.INTER_LINEAR. Half-pixel centres put output
 * column d at source x = d/2 − 1/4: columns 0 and 5 clamp to the edge pixels, the others mix neighbours with
 * weights 3/4 and 1/4; rows likewise. Row 1 = 3/4·row 0 + 1/4·row 3, e.g. column 1: 0.75·12.5 + 0.25·52.75.
 */
const upsampled = [
  [10, 12.5, 17.5, 22.5, 27.5, 30],
  [20, 22.5625, 27.6875, 33.125, 38.875, 41.75],
  [40, 42.6875, 48.0625, 54.375, 61.625, 65.25],
  [50, 52.75, 58.25, 65, 73, 77],
].flat();

/** A one-channel raster. */
function gray<T extends Uint8Array | Float32Array>(data: T, height: number, width: number): Raster<T> {
  return { data, height, width, channels: 1 };
}

describe('transforms: Resize', () => {
  it('resizes a uint8 image bilinearly as cv2.INTER_LINEAR, rounding to nearest', () => {
    const out = resizeBilinear(gray(Uint8Array.from([10, 20, 30, 50, 61, 77]), 2, 3), 4, 6);
    expect([out.height, out.width, out.channels]).to.deep.equal([4, 6, 1]);
    expect(out.data).to.be.instanceOf(Uint8Array);
    expect(values(out.data)).to.deep.equal(upsampled.map((v) => Math.floor(v + 0.5)));
  });

  it('resizes a float32 image without rounding', () => {
    const out = resizeBilinear(gray(Float32Array.from([10, 20, 30, 50, 61, 77]), 2, 3), 4, 6);
    expect(out.data).to.be.instanceOf(Float32Array);
    expect(values(out.data)).to.deep.equal(upsampled);
  });

  it('interpolates each channel of an interleaved image on its own', () => {
    const rgb = [10, 20, 30, 50, 61, 77].flatMap((v) => [v, 255 - v, 0]);
    const out = resizeBilinear({ data: Uint8Array.from(rgb), height: 2, width: 3, channels: 3 }, 4, 6);
    const channel = (k: number) => values(out.data).filter((_, i) => i % 3 === k);
    expect(channel(0)).to.deep.equal(upsampled.map((v) => Math.floor(v + 0.5)));
    expect(channel(1)).to.deep.equal(upsampled.map((v) => Math.floor(255 - v + 0.5)));
    expect(channel(2)).to.deep.equal(new Array(24).fill(0));
  });

  it('averages 2×2 blocks when halving (cv2 INTER_LINEAR = INTER_AREA at exactly 1/2), rounding half up', () => {
    const out = resizeBilinear(gray(Uint8Array.from([0, 1, 2, 3, 10, 10, 10, 11]), 2, 4), 1, 2);
    // (0 + 1 + 10 + 10) / 4 = 5.25 -> 5; (2 + 3 + 10 + 11) / 4 = 6.5 -> 7
    expect(values(out.data)).to.deep.equal([5, 7]);
  });

  it('resizes labels with cv2.INTER_NEAREST: src = floor(dst · in / out)', () => {
    const up = resizeNearest(gray(Uint8Array.from([0, 1, 2, 3, 4, 5]), 2, 3), 4, 6);
    expect(values(up.data)).to.deep.equal([
      [0, 0, 1, 1, 2, 2],
      [0, 0, 1, 1, 2, 2],
      [3, 3, 4, 4, 5, 5],
      [3, 3, 4, 4, 5, 5],
    ].flat());
    const down = resizeNearest(gray(Uint8Array.from([0, 1, 2, 3, 4]), 1, 5), 1, 3);
    expect(values(down.data)).to.deep.equal([0, 1, 3]); // floor(d · 5/3) = 0, 1, 3
  });

  it('keep_ratio follows mmcv rescale_size: factor = min(long_max / long, short_max / short), int(x·f + 0.5)', () => {
    // ADE20K's 2048×512 scale: a 1024×768 (w×h) image -> factor min(2, 2/3) -> 683×512.
    expect(rescaleSize(1024, 768, [2048, 512])).to.deep.equal([683, 512]);
    // 683×512 and its portrait twin already fit: factor min(2048/683, 1) = 1.
    expect(rescaleSize(683, 512, [2048, 512])).to.deep.equal([683, 512]);
    expect(rescaleSize(512, 683, [2048, 512])).to.deep.equal([512, 683]);
    // Small images grow until the short edge reaches 512: 256×192 -> factor 8/3 -> 682.67 -> 683.
    expect(rescaleSize(256, 192, [2048, 512])).to.deep.equal([683, 512]);
    // A very wide image is bounded by the long edge: 4000×500 -> factor 2048/4000 -> 2048×256.
    expect(rescaleSize(4000, 500, [2048, 512])).to.deep.equal([2048, 256]);
  });

  it('sets imgShape and scaleFactor [h-scale, w-scale]; without keep_ratio the size is exactly scale', () => {
    const s = sample(768, 1024, new Array(768 * 1024).fill(7));
    const kept = new Resize({ scale: [2048, 512], keep_ratio: true }).apply(s);
    expect(kept.imgShape).to.deep.equal([512, 683]);
    expect(kept.scaleFactor).to.deep.equal([512 / 768, 683 / 1024]);
    expect([kept.img!.height, kept.img!.width]).to.deep.equal([512, 683]);
    const exact = new Resize({ scale: [300, 200] }).apply(s);
    expect(exact.imgShape).to.deep.equal([200, 300]);
    expect(exact.img!.data.every((v) => v === 7)).to.equal(true);
  });

  it('resizes labels nearest and depth nearest, never mixing invalid depth (0) into valid pixels', () => {
    const depth = [0, 2.5, 0, 7, 0, 1.25, 0, 3, 9];
    const s = sample(3, 3, [0, 10, 20, 30, 40, 50, 60, 70, 80], { labels: [0, 1, 2, 3, 4, 5, 6, 7, 8], depth });
    for (const [w, h] of [[7, 5], [2, 2], [5, 4]] as const) {
      const out = new Resize({ scale: [w, h] }).apply(s);
      const d = out.gtDepthMap!;
      const l = out.gtSegMap!;
      expect([d.height, d.width, l.height, l.width]).to.deep.equal([h, w, h, w]);
      for (let i = 0; i < h * w; i++) {
        // Each output takes the one source pixel its label came from: depth and label stay paired.
        expect(d.data[i]).to.equal(depth[l.data[i]!]);
      }
    }
    expect(values(new Resize({ scale: [2, 2] }).apply(s).gtDepthMap!.data)).to.deep.equal([0, 2.5, 7, 0]);
  });

  it('RandomResize draws ratio = lo + u·(hi − lo) and resizes to int(scale · ratio)', () => {
    const s = sample(768, 1024, new Array(768 * 1024).fill(1));
    const u = new Rng(11).uniform();
    const ratio = 0.5 + u * 1.5;
    const target: [number, number] = [Math.trunc(2048 * ratio), Math.trunc(512 * ratio)];
    const out = new RandomResize({ scale: [2048, 512], ratio_range: [0.5, 2], keep_ratio: true }).apply(s, new Rng(11));
    const [w, h] = rescaleSize(1024, 768, target);
    expect(out.imgShape).to.deep.equal([h, w]);
  });
});
