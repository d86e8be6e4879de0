import { expect } from 'chai';
import { Rng } from '../../../lib/random.js';
import { hsvToRgb, rgbToHsv } from '../../../datasets/transforms/hsv.js';
import { PhotoMetricDistortion, shiftHue } from '../../../datasets/transforms/photo-metric-distortion.js';
import { pick, sample, ScriptedRng, values } from './helpers.js';

const YES = 0.9; // coin: int(2) = 1, apply the step
const NO = 0.1; // coin: int(2) = 0, skip it

describe('transforms: PhotoMetricDistortion', () => {
  it('brightness then contrast (mode 1): float32 maths, clipped to [0, 255], truncated to uint8', () => {
    // brightness: β = −32 + 64·0.75 = 16; mode 1; contrast α = 0.5 + 1·0.25 = 0.75; no saturation, no hue.
    const rng = new ScriptedRng([YES, 0.75, YES, YES, 0.25, NO, NO]);
    const out = new PhotoMetricDistortion().apply(sample(1, 2, [0, 100, 250, 10, 20, 30]), rng);
    // +16: [16, 116, 266 -> 255, 26, 36, 46]; ·0.75: [12, 87, 191.25, 19.5, 27, 34.5] -> truncated.
    expect(values(out.img!.data)).to.deep.equal([12, 87, 191, 19, 27, 34]);
    expect(rng.left).to.equal(0);
  });

  it('contrast last in mode 0, and a negative brightness clips at 0', () => {
    // β = −32 + 64·0.3 = −12.8; mode 0; no saturation, no hue; contrast α = 0.5 + 0.9 = 1.4.
    const rng = new ScriptedRng([YES, 0.3, NO, NO, NO, YES, 0.9]);
    const out = new PhotoMetricDistortion().apply(sample(1, 2, [5, 100, 200, 12, 13, 255]), rng);
    // −12.8: [−7.8 -> 0, 87.2 -> 87, 187.2 -> 187, −0.8 -> 0, 0.2 -> 0, 242.2 -> 242]
    // ·1.4: [0, 121.8, 261.8, 0, 0, 338.8]
    expect(values(out.img!.data)).to.deep.equal([0, 121, 255, 0, 0, 255]);
    expect(rng.left).to.equal(0);
  });

  it('draws nothing more than the coins when no step applies', () => {
    const input = sample(1, 1, [1, 2, 3]);
    const rng = new ScriptedRng([NO, NO, NO, NO, NO]);
    expect(values(new PhotoMetricDistortion().apply(input, rng).img!.data)).to.deep.equal([1, 2, 3]);
    expect(rng.left).to.equal(0);
  });

  it('scales saturation in OpenCV 8-bit HSV', () => {
    // (200, 100, 100): V = 200, S = round(100·round(255·4096/200) / 4096) = 127, H = 0. S·0.5 = 63.5 -> 63.
    // Back: g = b = 255·(200/255)·(1 − 63/255) = 150.59 -> 151.
    const rng = new ScriptedRng([NO, NO, YES, 0, NO, NO]);
    const out = new PhotoMetricDistortion().apply(sample(1, 1, [200, 100, 100]), rng);
    expect(values(out.img!.data)).to.deep.equal([200, 151, 151]);
  });

  it('shifts hue by an integer in [−hue_delta, hue_delta), wrapping around 180', () => {
    // Hue δ = −18 + int(36·u) = −18 (u ≈ 0). Red H = 0 -> −18 mod 180 = 162 = 324°: (255, 0, 0.6·255).
    // Green H = 60 -> 42 = 84°: (0.6·255, 255, 0).
    const rng = new ScriptedRng([NO, NO, NO, YES, pick(0, 36), NO]);
    const out = new PhotoMetricDistortion().apply(sample(1, 2, [255, 0, 0, 0, 255, 0]), rng);
    expect(values(out.img!.data)).to.deep.equal([255, 0, 153, 153, 255, 0]);
  });

  it('converts RGB <-> HSV as OpenCV: H in 0..179', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 85, 128, 128, 128, 0, 0, 0]);
    const hsv = [0, 255, 255, 60, 255, 255, 120, 255, 255, 170, 255, 255, 0, 0, 128, 0, 0, 0];
    expect(values(rgbToHsv(rgb))).to.deep.equal(hsv);
    expect(values(hsvToRgb(rgbToHsv(rgb)))).to.deep.equal(values(rgb));
  });

  it('wraps hue modulo 180 in both directions', () => {
    const hsv = Uint8Array.from([170, 9, 9, 3, 9, 9]);
    shiftHue(hsv, 15);
    expect(values(hsv)).to.deep.equal([5, 9, 9, 18, 9, 9]);
    shiftHue(hsv, -10);
    expect(values(hsv)).to.deep.equal([175, 9, 9, 8, 9, 9]);
  });

  it('is reproducible from the seed and leaves the input untouched', () => {
    const pixels = Array.from({ length: 48 }, (_, i) => (i * 37) % 256);
    const input = sample(4, 4, pixels);
    const pmd = new PhotoMetricDistortion();
    const a = pmd.apply(input, new Rng(9));
    expect(values(pmd.apply(input, new Rng(9)).img!.data)).to.deep.equal(values(a.img!.data));
    expect(values(input.img!.data)).to.deep.equal(pixels);
  });

  it('refuses a float image', () => {
    expect(() => new PhotoMetricDistortion().apply(sample(1, 1, [1, 2, 3], { float: true }), new Rng(0))).to.throw(
      /img.png must be a uint8 RGB image.*before Normalize/,
    );
  });
});
