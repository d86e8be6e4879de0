/**
 * nnU-Net's sliding-window inference: window starts and Gaussian importance map against nnU-Net's code re-stated on
 * scipy (tools/reference/sliding_window.py); the blending checked with predictors whose answer is known.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { gaussianImportance, slidingWindowPredict, slidingWindowSteps } from '../../lib/engine/sliding-window.js';

const reference = JSON.parse(readFileSync(new URL('../../../spec/fixtures/inference/sliding_window.json', import.meta.url), 'utf8')) as {
  steps: { image: number[]; tile: number[]; steps: number[][] }[];
  gaussian: { tile: number[]; map: number[] }[];
};

/** A volume [1, D, H, W, 1] whose voxel value is its flat index. */
const ramp = (d: number, h: number, w: number) => tf.tensor5d(Float32Array.from({ length: d * h * w }, (_, i) => i), [1, d, h, w, 1]);

describe('sliding-window inference (nnU-Net)', () => {
  for (const c of reference.steps) {
    it(`steps of a ${c.tile} patch over ${c.image} as nnU-Net`, () => {
      expect(slidingWindowSteps(c.image, c.tile)).to.deep.equal(c.steps);
    });
  }

  for (const c of reference.gaussian) {
    it(`Gaussian importance of a ${c.tile} patch as nnU-Net (σ = patch / 8, peak 1, no zero)`, () => {
      const map = gaussianImportance(c.tile);
      let worst = 0;
      for (let i = 0; i < map.length; i++) worst = Math.max(worst, Math.abs(map[i]! - c.map[i]!) / c.map[i]!);
      expect(worst).to.be.at.most(1e-6);
    });
  }

  it('builds the Gaussian of a Synapse-size patch (64×128×128, a million voxels) with its peak at the centre', () => {
    const map = gaussianImportance([64, 128, 128]);
    expect(map.length).to.equal(64 * 128 * 128);
    expect(map[(32 * 128 + 64) * 128 + 64]).to.equal(1);
    expect(map[0]).to.be.above(0).and.below(1e-3);
  });

  it('blends overlapping windows back into the volume: a per-voxel predictor gives its answer exactly', async () => {
    const volume = ramp(10, 13, 9);
    const seen: number[][] = [];
    // logits [v, 2v]: any weighted average of identical values is that value
    const predict = (x: tf.Tensor5D) => {
      seen.push(x.shape.slice(1, 4));
      return tf.concat([x, tf.mul(x, 2)], 4) as tf.Tensor5D;
    };
    const done: number[] = [];
    const { logits, shape } = await slidingWindowPredict(volume, predict, { patch: [4, 8, 8], progress: (n) => done.push(n) });
    expect(shape).to.deep.equal([10, 13, 9, 2]);
    const expected = Float32Array.from({ length: 10 * 13 * 9 * 2 }, (_, i) => (i % 2 === 0 ? i / 2 : i - 1));
    let worst = 0;
    for (let i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(logits[i]! - expected[i]!));
    expect(worst).to.be.at.most(1e-3);
    expect(seen.every((s) => s.join() === '4,8,8')).to.equal(true); // the model only ever sees patches
    expect(slidingWindowSteps([10, 13, 9], [4, 8, 8])).to.deep.equal([[0, 2, 4, 6], [0, 2, 5], [0, 1]]); // 2.5 rounds to even
    expect(done).to.deep.equal([...Array(4 * 3 * 2).keys()].map((i) => i + 1));
    volume.dispose();
  });

  it('pads a volume smaller than the patch (centred) and crops the result; mirroring averages the flips', async () => {
    const volume = ramp(3, 5, 6);
    let calls = 0;
    const predict = (x: tf.Tensor5D) => {
      calls++;
      expect(x.shape).to.deep.equal([1, 4, 8, 8, 1]);
      return tf.add(x, 1) as tf.Tensor5D;
    };
    const { logits, shape } = await slidingWindowPredict(volume, predict, { patch: [4, 8, 8], mirror: true });
    expect(shape).to.deep.equal([3, 5, 6, 1]);
    expect(calls).to.equal(8);
    expect(Array.from(logits.slice(0, 4))).to.deep.equal([1, 2, 3, 4]);
    volume.dispose();
  });
});
