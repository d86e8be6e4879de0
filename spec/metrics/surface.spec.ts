/**
 * Dice and HD95 against medpy's definitions run on scipy 1.10 (tools/reference/surface_metrics.py), TransUNet's
 * empty-mask rules, hand-computed cases (concentric spheres, parallel slabs with spacing), and DiceHD95Metric's and
 * BinarySegMetric's bookkeeping.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { BinarySegMetric } from '../../lib/metrics/binary-seg-metric.js';
import { DiceHD95Metric } from '../../lib/metrics/dice-hd95-metric.js';
import { caseMetric, distanceToFeatures, hd95, percentile, surfaceVoxels } from '../../lib/metrics/surface.js';

interface Case {
  name: string;
  shape: number[];
  spacing: number[] | null;
  pred: number[];
  gt: number[];
  dice: number;
  hd95: number;
}

const { cases } = JSON.parse(readFileSync(new URL('../../../spec/fixtures/metrics/surface.json', import.meta.url), 'utf8')) as { cases: Case[] };

function mask(size: number, on: number[]): Uint8Array {
  const m = new Uint8Array(size);
  for (const i of on) m[i] = 1;
  return m;
}

/** A [n, n, n] ball of radius r (voxel centres within r of `centre`). */
function ball(n: number, r: number, centre: [number, number, number]): Uint8Array {
  const m = new Uint8Array(n ** 3);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    m[(z * n + y) * n + x] = (z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2 <= r * r ? 1 : 0;
  }
  return m;
}

describe('Dice and HD95 (medpy, TransUNet rules)', () => {
  for (const c of cases) {
    it(`${c.name}: as medpy on scipy`, () => {
      const size = c.shape.reduce((a, b) => a * b, 1);
      const r = caseMetric(mask(size, c.pred), mask(size, c.gt), c.shape, c.spacing ?? undefined);
      expect(r.dice).to.be.closeTo(c.dice, 1e-12);
      expect(r.hd95).to.be.closeTo(c.hd95, 1e-9);
    });
  }

  it('concentric balls of radii 10 and 6: every surface distance is about 4, so HD95 is within a voxel of 4', () => {
    const [outer, inner] = [ball(31, 10, [15, 15, 15]), ball(31, 6, [15, 15, 15])];
    const value = hd95(outer, inner, [31, 31, 31]);
    expect(value).to.be.within(3, 5);
    const shifted = hd95(ball(31, 6, [15, 15, 15]), ball(31, 6, [15, 15, 18]), [31, 31, 31]);
    expect(shifted).to.be.within(2, 3); // a shift of 3: directed distances spread from 0 to 3
  });

  it('two balls of radius 10 mm, 6 mm apart, on 2 × 1 × 1 mm voxels: Dice and HD95 (mm) as the geometry gives', () => {
    const [shape, spacing, R, d] = [[24, 40, 40], [2, 1, 1], 10, 6];
    const ballMm = (cz: number) => {
      const m = new Uint8Array(24 * 40 * 40);
      for (let z = 0; z < 24; z++) for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) {
        m[(z * 40 + y) * 40 + x] = (2 * z - cz) ** 2 + (y - 20) ** 2 + (x - 20) ** 2 <= R * R ? 1 : 0;
      }
      return m;
    };
    const r = caseMetric(ballMm(20), ballMm(20 + d), shape, spacing);
    // the lens of two balls: π(4R + d)(2R − d)² / 12, over one ball's volume
    const lens = (Math.PI * (4 * R + d) * (2 * R - d) ** 2) / 12;
    expect(r.dice).to.be.closeTo(lens / ((4 / 3) * Math.PI * R ** 3), 0.03);
    // a surface point at angle θ lies |√(R² + d² − 2Rd·cosθ) − R| from the other sphere, cosθ uniform on the sphere
    const distances = Float64Array.from({ length: 100001 }, (_, i) => {
      const c = -1 + (2 * i) / 100000;
      return Math.abs(Math.sqrt(R * R + d * d - 2 * R * d * c) - R);
    });
    expect(r.hd95).to.be.closeTo(percentile(distances, 95), 1.5);
  });

  it('parallel slabs 4 slices apart with 2.5 mm slices: HD95 is 4 × 2.5 mm exactly', () => {
    const shape = [12, 6, 7];
    const [a, b] = [new Uint8Array(12 * 42), new Uint8Array(12 * 42)];
    a.fill(1, 2 * 42, 3 * 42);
    b.fill(1, 6 * 42, 7 * 42);
    expect(hd95(a, b, shape, [2.5, 0.9, 0.9])).to.equal(10);
    expect(hd95(a, b, shape)).to.equal(4);
  });

  it('the surface of a mask touching the array edge includes the edge voxels; distances are exact', () => {
    const full = new Uint8Array(9).fill(1);
    expect(Array.from(surfaceVoxels(full, [3, 3]))).to.deep.equal([1, 1, 1, 1, 0, 1, 1, 1, 1]);
    const d = distanceToFeatures(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0]), [3, 3], [2, 1]);
    expect(Array.from(d)).to.deep.equal([0, 1, 2, 2, Math.sqrt(5), Math.sqrt(8), 4, Math.sqrt(17), Math.sqrt(20)]);
    expect(percentile(Float64Array.from([1, 2, 3, 4]), 95)).to.be.closeTo(3.85, 1e-12);
  });

  it('DiceHD95Metric: per organ, the mean over cases; the means over organs; unit', () => {
    const metric = new DiceHD95Metric();
    metric.datasetMeta = { classes: ['background', 'a', 'b'] };
    // case 1: a perfect, b predicted where there is none (1, 0); case 2: a missed (0, 0), b perfect
    metric.processCase('c1', [1, 1, 2, 0], [1, 1, 0, 0], [4]);
    metric.processCase('c2', [0, 0, 2, 2], [1, 0, 2, 2], [4], [2]);
    const r = metric.compute();
    expect(r.perCase.map((c) => c.dice)).to.deep.equal([[1, 1], [0, 1]]);
    expect(r.perClass).to.deep.equal([{ name: 'a', dice: 0.5, hd95: 0 }, { name: 'b', dice: 1, hd95: 0 }]);
    expect(r.mDice).to.equal(0.75);
    expect(r.unit).to.equal('voxel');
    metric.reset();
    metric.processCase('c3', [1, 1, 0, 0], [0, 0, 1, 1], [4], [2]);
    const spaced = metric.compute();
    expect(spaced.unit).to.equal('mm');
    expect(spaced.perClass[0]).to.deep.equal({ name: 'a', dice: 0, hd95: 4 });
    expect(() => new DiceHD95Metric().compute()).to.throw('DiceHD95Metric: set datasetMeta.classes');
  });

  it('BinarySegMetric: Dice, IoU, sensitivity, specificity and accuracy of the lesion over all pixels', () => {
    const metric = new BinarySegMetric();
    metric.process(Int32Array.from([1, 1, 0, 0, 1, 0]), Uint8Array.from([1, 0, 0, 1, 1, 255])); // tp 2, fp 1, fn 1, tn 1; one ignored
    metric.process(Int32Array.from([0, 0]), Uint8Array.from([0, 0])); // tn 2
    expect(metric.compute()).to.deep.equal({ Dice: 66.67, IoU: 50, Sensitivity: 66.67, Specificity: 75, Accuracy: 71.43 });
  });
});
