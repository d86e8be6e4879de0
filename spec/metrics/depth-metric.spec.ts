import { expect } from 'chai';
import { registries } from '../../lib/registry.js';
import { cropBox, DepthMetric, depthErrors, inverseDepthFit, type DepthImage } from '../../lib/metrics/index.js';

const image = (data: number[], height: number, width: number): DepthImage => ({ data: new Float32Array(data), height, width });

describe('DepthMetric (BTS evaluation)', () => {
  /**
   * gt [1, 2, 4, 0], pred [1.2, 1, 5, 3]: the 0 has no ground truth. Valid pairs (g, p): (1, 1.2), (2, 1), (4, 5).
   * max(g/p, p/g) = 1.2, 2, 1.25; e = ln(p/g) = ln 1.2, ln 0.5, ln 1.25.
   */
  const gt = image([1, 2, 4, 0], 2, 2);
  const pred = image([1.2, 1, 5, 3], 2, 2);
  const e = [Math.log(1.2), Math.log(0.5), Math.log(1.25)];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('computes every error over the valid pixels of one image', () => {
    const errors = depthErrors(pred, gt, { minDepth: 1e-3, maxDepth: 10, crop: null });
    expect(errors.d1).to.be.closeTo(1 / 3, 1e-12); // only 1.2 < 1.25
    expect(errors.d2).to.be.closeTo(2 / 3, 1e-12); // 1.25 < 1.5625
    expect(errors.d3).to.be.closeTo(2 / 3, 1e-12); // 2 ≥ 1.953125
    expect(errors.abs_rel).to.be.closeTo((0.2 / 1 + 1 / 2 + 1 / 4) / 3, 1e-7);
    expect(errors.sq_rel).to.be.closeTo((0.04 / 1 + 1 / 2 + 1 / 4) / 3, 1e-7);
    expect(errors.rmse).to.be.closeTo(Math.sqrt((0.04 + 1 + 1) / 3), 1e-7);
    expect(errors.rmse_log).to.be.closeTo(Math.sqrt(mean(e.map((x) => x * x))), 1e-7);
    expect(errors.log10).to.be.closeTo(mean(e.map((x) => Math.abs(x) / Math.LN10)), 1e-7);
    expect(errors.silog).to.be.closeTo(100 * Math.sqrt(mean(e.map((x) => x * x)) - mean(e) ** 2), 1e-5);
  });

  it('clips predictions to [min, max], drops gt outside (min, max), averages per image', () => {
    const metric = new DepthMetric({ min_depth_eval: 1e-3, max_depth_eval: 10 });
    metric.process(pred, gt);
    // gt 12 > max is invalid; p 0 → 1e-3, p 20 → 10
    metric.process(image([0, 20, 7], 1, 3), image([3, 3, 12], 1, 3));
    const second = { abs_rel: ((3 - 1e-3) / 3 + 7 / 3) / 2, rmse: Math.sqrt(((3 - 1e-3) ** 2 + 49) / 2), d1: 0 };
    const result = metric.compute();
    expect(result.abs_rel).to.be.closeTo(((0.2 + 0.5 + 0.25) / 3 + second.abs_rel) / 2, 1e-6);
    expect(result.rmse).to.be.closeTo((Math.sqrt(0.68) + second.rmse) / 2, 1e-6);
    expect(result.d1).to.be.closeTo((1 / 3 + 0) / 2, 1e-12);
    expect(Object.keys(result)).to.deep.equal(['d1', 'd2', 'd3', 'abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10', 'silog']);
  });

  it('reports only the requested metrics; silog of a pure scale error is 0', () => {
    const metric = new DepthMetric({ depth_metrics: ['silog', 'd1'] });
    metric.process(image([2, 4, 6], 1, 3), image([1, 2, 3], 1, 3));
    expect(metric.compute()).to.deep.equal({ silog: 0, d1: 0 });
  });

  it('nyu_crop evaluates rows 45..470 and columns 41..600 of a 480×640 map', () => {
    // gt 1 everywhere; pred 1 inside the crop but 1.5 at its two corners, 2 outside
    const [h, w] = [480, 640];
    const predData = new Array<number>(h * w).fill(2);
    for (let y = 45; y < 471; y++) for (let x = 41; x < 601; x++) predData[y * w + x] = 1;
    predData[45 * w + 41] = 1.5;
    predData[470 * w + 600] = 1.5;
    const metric = new DepthMetric({ max_depth_eval: 10, crop_type: 'nyu_crop' });
    metric.process(image(predData, h, w), image(new Array<number>(h * w).fill(1), h, w));
    expect(metric.compute().abs_rel).to.be.closeTo((2 * 0.5) / (426 * 560), 1e-12);
    expect(() => metric.process(image([1], 1, 1), image([1], 1, 1))).to.throw('nyu_crop is defined on 480×640');
  });

  it('KITTI garg and eigen crops are fractions of the size, truncated', () => {
    expect(cropBox('garg_crop', 375, 1242)).to.deep.equal({ top: 153, bottom: 371, left: 44, right: 1197 });
    expect(cropBox('eigen_crop', 375, 1242)).to.deep.equal({ top: 124, bottom: 342, left: 44, right: 1197 });
  });

  it('is registered with mmseg option names', () => {
    const built = registries.metric.build(
      { type: 'DepthMetric', min_depth_eval: 1e-3, max_depth_eval: 10, crop_type: 'nyu_crop' },
      'val_evaluator',
    ) as DepthMetric;
    expect(built).to.be.instanceOf(DepthMetric);
    expect([built.maxDepthEval, built.cropType]).to.deep.equal([10, 'nyu_crop']);
    expect((registries.metric.build({ type: 'DepthMetric' }, 'val_evaluator') as DepthMetric).maxDepthEval).to.equal(Infinity);
  });

  it("takes the depth range and crop from the dataset where its options leave them out (null: none)", () => {
    const nyu = { minDepth: 1e-3, maxDepth: 10, cropType: 'nyu_crop' as const };
    const unset = new DepthMetric();
    const explicit = new DepthMetric({ max_depth_eval: 5, crop_type: null });
    expect([unset.minDepthEval, unset.maxDepthEval, unset.cropType]).to.deep.equal([1e-3, Infinity, null]);
    for (const m of [unset, explicit]) m.datasetMeta = nyu;
    expect([unset.maxDepthEval, unset.cropType]).to.deep.equal([10, 'nyu_crop']);
    expect([explicit.maxDepthEval, explicit.cropType]).to.deep.equal([5, null]);
    const none = registries.metric.build({ type: 'DepthMetric', crop_type: null, max_depth_eval: null }, 'val_evaluator') as DepthMetric;
    none.datasetMeta = nyu;
    expect([none.maxDepthEval, none.cropType]).to.deep.equal([Infinity, null]);
    const dataset = registries.metric.build({ type: 'DepthMetric' }, 'val_evaluator') as DepthMetric;
    dataset.datasetMeta = { minDepth: 1e-3, maxDepth: 80, cropType: 'garg_crop' };
    expect([dataset.maxDepthEval, dataset.cropType]).to.deep.equal([80, 'garg_crop']);
  });

  it("align 'scale_shift': least squares of the prediction onto 1/gt over the evaluated pixels, then 1 / max(s·d + t, 1/max)", () => {
    // pred = 3/gt + 0.2 where gt is valid (1, 2, 4); the 0 has no ground truth and 20 m is beyond max 10 m
    const truth = image([1, 2, 4, 0, 20, 5], 2, 3);
    const relative = image([3.2, 1.7, 0.95, 100, 0.35, -1], 2, 3);
    const options = { minDepth: 1e-3, maxDepth: 10, crop: null };
    // only gt 1, 2, 4 and 5 count: 3/5 + 0.2 = 0.8 would fit, but the prediction there is -1
    const fit = inverseDepthFit(image([3.2, 1.7, 0.95, 100, 0.35, 0.8], 2, 3), truth, options);
    // (float32 maps: 3.2 and 0.95 are not exact)
    expect(fit.scale).to.be.closeTo(1 / 3, 1e-7);
    expect(fit.shift).to.be.closeTo(-0.2 / 3, 1e-7);
    const metric = new DepthMetric({ max_depth_eval: 10, align: 'scale_shift' });
    metric.process(image([3.2, 1.7, 0.95, 100, 0.35, 0.8], 2, 3), truth);
    const aligned = metric.compute();
    expect(aligned.d1).to.equal(1);
    expect(aligned.abs_rel).to.be.closeTo(0, 1e-7);
    // a prediction that aligns below 1/max_depth is capped at max_depth
    const capped = new DepthMetric({ max_depth_eval: 10, align: 'scale_shift', depth_metrics: ['abs_rel'] });
    capped.process(relative, truth);
    const { scale, shift } = inverseDepthFit(relative, truth, options);
    const depthAt5 = 1 / Math.max(scale * -1 + shift, 0.1);
    const expected = [1, 2, 4].map((g, i) => Math.abs(1 / (scale * relative.data[i]! + shift) - g) / g);
    expect(depthAt5).to.equal(10);
    expect(capped.compute().abs_rel).to.be.closeTo((expected.reduce((a, b) => a + b, 0) + 5 / 5) / 4, 1e-6); // float32 depth
    const unbounded = registries.metric.build({ type: 'DepthMetric', max_depth_eval: null, align: 'scale_shift' }, 'val_evaluator') as DepthMetric;
    expect(() => unbounded.process(relative, truth)).to.throw("align 'scale_shift' caps the aligned depth at max_depth_eval, which must be finite");
  });
});
