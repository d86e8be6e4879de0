/**
 * The 3D pipeline's volume operations: resampling against torch's F.interpolate (trilinear, nearest-exact), flips and
 * quarter turns against numpy (tools/reference/volume_ops.py); window, z-score, padding, crops and nnU-Net's
 * foreground oversampling by hand.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import {
  crop3d, flip3d, padToPatch, randomCropStart, resampleToSpacing, resize3d, rot90HW, windowIntensity, zScore, type Grid3, type Shape3,
} from '../../datasets/medical/volume-ops.js';
import { Rng } from '../../lib/random.js';

const ref = JSON.parse(readFileSync(new URL('../../../spec/fixtures/medical-io/volume_ops.json', import.meta.url), 'utf8')) as {
  image: number[];
  label: number[];
  shape: Shape3;
  cases: { size: Shape3; trilinear: number[]; nearest: number[] }[];
  flip_0_2: number[];
  rot90_k3: number[];
};
const image: Grid3<Float32Array> = { data: Float32Array.from(ref.image), shape: ref.shape, channels: 1 };
const label: Grid3<Uint8Array> = { data: Uint8Array.from(ref.label), shape: ref.shape, channels: 1 };

describe('3D volume operations', () => {
  for (const c of ref.cases) {
    it(`resizes [5, 6, 7] to [${c.size}] as torch: trilinear for images, nearest-exact for labels`, () => {
      const tri = resize3d(image, c.size, 'trilinear');
      expect(Math.max(...Array.from(tri.data, (v, i) => Math.abs(v - c.trilinear[i]!)))).to.be.at.most(1e-6);
      expect(Array.from(resize3d(label, c.size, 'nearest').data)).to.deep.equal(c.nearest);
    });
  }

  it('resamples to a target spacing: 2.5 mm slices to 1.25 mm doubles D', () => {
    const out = resampleToSpacing(image, [2.5, 1, 1], [1.25, 1, 1], 'trilinear');
    expect(out.shape).to.deep.equal([10, 6, 7]);
  });

  it('flips and turns as numpy', () => {
    expect(Array.from(flip3d(label, [0, 2]).data)).to.deep.equal(ref.flip_0_2);
    const turned = rot90HW(label, 3);
    expect(turned.shape).to.deep.equal([5, 7, 6]);
    expect(Array.from(turned.data)).to.deep.equal(ref.rot90_k3);
  });

  it('windows CT to [0, 1] and z-scores MRI per channel', () => {
    const ct: Grid3<Float32Array> = { data: Float32Array.from([-300, -125, 75, 275, 1000]), shape: [1, 1, 5], channels: 1 };
    expect(Array.from(windowIntensity(ct, [-125, 275]).data)).to.deep.equal([0, 0, 0.5, 1, 1]);
    const mr: Grid3<Float32Array> = { data: Float32Array.from([1, 10, 3, 20]), shape: [1, 1, 2], channels: 2 };
    expect(Array.from(zScore(mr).data)).to.deep.equal([-1, -1, 1, 1]);
  });

  it('pads a small volume (centred) to the patch, and crops windows', () => {
    const small: Grid3<Uint8Array> = { data: Uint8Array.from([1, 2, 3, 4]), shape: [1, 2, 2], channels: 1 };
    const padded = padToPatch(small, [2, 4, 3]);
    expect(padded.shape).to.deep.equal([2, 4, 3]);
    expect(Array.from(padded.data)).to.deep.equal([0, 0, 0, 1, 2, 0, 3, 4, 0, 0, 0, 0, ...new Array(12).fill(0)]);
    expect(Array.from(crop3d(padded, [0, 1, 0], [1, 2, 2]).data)).to.deep.equal([1, 2, 3, 4]);
  });

  it("crops with nnU-Net's foreground oversampling: a third of the windows hold a foreground voxel", () => {
    const big: Grid3<Uint8Array> = { data: new Uint8Array(20 * 40 * 40), shape: [20, 40, 40], channels: 1 };
    big.data[(15 * 40 + 35) * 40 + 35] = 2; // one foreground voxel in a corner
    const rng = new Rng(5);
    let hits = 0;
    const runs = 3000;
    for (let i = 0; i < runs; i++) {
      const s = randomCropStart(big, [8, 16, 16], rng);
      if (15 >= s[0] && 15 < s[0] + 8 && 35 >= s[1] && 35 < s[1] + 16 && 35 >= s[2] && 35 < s[2] + 16) hits++;
    }
    const uniformShare = (5 / 13) * (5 / 25) * (5 / 25); // starts 8..12 of 0..12, 20..24 of 0..24 (twice)
    expect(hits / runs).to.be.closeTo(1 / 3 + (2 / 3) * uniformShare, 0.03);
    expect(() => randomCropStart(big, [30, 16, 16], rng)).to.throw('random crop: volume [20,40,40] is smaller than the patch [30,16,16]; pad first');
  });
});
