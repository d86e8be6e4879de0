import { expect } from 'chai';
import { registries } from '../../lib/registry.js';
import { intersectAndUnion, IoUMetric, roundHalfEven } from '../../lib/metrics/index.js';

const CLASSES = ['road', 'car', 'sky', 'tree'];

/**
 * Three images, 4 classes, 255 ignored. Non-ignored (label, pred) pairs:
 *   image 1 (2×3): (0,0) (0,1) (1,1) (1,1) [255 → pred 2, ignored] (0,0)
 *   image 2 (2×2): (0,2) (1,1) (1,0) (0,0)
 *   image 3 (1×3): (1,1) (0,0) [255 → pred 0, ignored]
 * Confusion matrix, rows = label, columns = pred:
 *           pred 0  1  2  3
 *   label 0      4  1  1  0    (6 pixels)
 *   label 1      1  4  0  0    (5 pixels)
 * intersect [4, 4, 0, 0]; pred [5, 5, 1, 0]; label [6, 5, 0, 0]; union [7, 6, 1, 0]
 * 'sky' (2) is only predicted: IoU 0, Acc 0/0. 'tree' (3) is absent everywhere: NaN, excluded from the means.
 */
const IMAGES: [number[], number[]][] = [
  [[0, 1, 1, 1, 2, 0], [0, 0, 1, 1, 255, 0]],
  [[2, 1, 0, 0], [0, 1, 1, 0]],
  [[1, 0, 0], [1, 0, 255]],
];

function evaluate(metric: IoUMetric) {
  metric.datasetMeta = { classes: CLASSES };
  for (const [pred, label] of IMAGES) metric.process(new Int32Array(pred), new Uint8Array(label));
  return metric.compute();
}

describe('IoUMetric (mmseg 1.x)', () => {
  it('accumulates areas over the dataset, ignoring ignore_index', () => {
    const areas = intersectAndUnion(new Uint8Array([0, 1, 1, 1, 2, 0]), new Uint8Array([0, 0, 1, 1, 255, 0]), 4, 255);
    expect([...areas.intersect]).to.deep.equal([2, 2, 0, 0]);
    expect([...areas.pred]).to.deep.equal([2, 3, 0, 0]);
    expect([...areas.label]).to.deep.equal([3, 2, 0, 0]);
    expect([...areas.union]).to.deep.equal([3, 3, 0, 0]);
  });

  it('mIoU, mAcc, aAcc in percent with 2 decimals; NaN classes left out of the means', () => {
    const result = evaluate(new IoUMetric());
    expect(result.aAcc).to.equal(72.73); // 8/11
    expect(result.mIoU).to.equal(41.27); // (4/7 + 4/6 + 0)/3
    expect(result.mAcc).to.equal(73.33); // (4/6 + 4/5)/2
    expect(result.perClass.slice(0, 3)).to.deep.equal([
      { name: 'road', iou: 57.14, acc: 66.67 },
      { name: 'car', iou: 66.67, acc: 80 },
      { name: 'sky', iou: 0, acc: NaN },
    ]);
    expect(result.perClass[3]!.iou).to.be.NaN;
    expect(result.excluded).to.deep.equal(['tree']);
    expect(result).to.not.have.property('mDice');
  });

  it('mDice and mFscore (with precision and recall) as mmseg', () => {
    const result = evaluate(new IoUMetric({ iou_metrics: ['mIoU', 'mDice', 'mFscore'] }));
    expect(result.mDice).to.equal(50.91); // 2I/(P+L): (8/11 + 8/10 + 0/1)/3
    expect(result.mPrecision).to.equal(53.33); // I/P: (4/5 + 4/5 + 0/1)/3
    expect(result.mRecall).to.equal(73.33); // I/L
    expect(result.mFscore).to.equal(76.36); // 2PR/(P+R): (8/11 + 4/5)/2; sky: 0·NaN → NaN
    expect(result.perClass[0]).to.deep.equal({
      name: 'road', iou: 57.14, acc: 66.67, dice: 72.73, fscore: 72.73, precision: 80, recall: 66.67,
    });
  });

  it('nan_to_num replaces NaN before averaging, so no class is excluded', () => {
    const result = evaluate(new IoUMetric({ nan_to_num: 0 }));
    expect(result.mIoU).to.equal(30.95); // (4/7 + 4/6 + 0 + 0)/4
    expect(result.mAcc).to.equal(36.67);
    expect(result.excluded).to.deep.equal([]);
  });

  it('does not count values outside 0..num_classes−1 (torch.histc), and reset starts over', () => {
    const metric = new IoUMetric();
    metric.datasetMeta = { classes: ['a', 'b'] };
    metric.process(new Uint8Array([0, 7, 1]), new Uint8Array([0, 1, 1]));
    const result = metric.compute();
    expect(result.aAcc).to.equal(66.67);
    expect(result.perClass.map((c) => c.iou)).to.deep.equal([100, 50]); // b: I 1, P 1, L 2
    metric.reset();
    expect(() => metric.compute()).to.throw('no image was processed');
  });

  it('rounds halves to even as np.round (values checked against numpy 2.4)', () => {
    expect(roundHalfEven(3.125)).to.equal(3.12); // 312.5 → 312
    expect(roundHalfEven(3.135)).to.equal(3.14); // 313.5 → 314
    expect(roundHalfEven(1.005)).to.equal(1); // 100.49999999999999
    expect(roundHalfEven(0.5, 0)).to.equal(0);
    expect(roundHalfEven(1.5, 0)).to.equal(2);
  });

  it('is registered with mmseg option names', () => {
    const metric = registries.metric.build({ type: 'IoUMetric', iou_metrics: ['mIoU', 'mDice'], ignore_index: 0 }, 'val_evaluator');
    expect(metric).to.be.instanceOf(IoUMetric);
    expect((metric as IoUMetric).ignoreIndex).to.equal(0);
    expect(() => registries.metric.build({ type: 'IoUMetric', iou_metrics: ['mAP'] }, 'val_evaluator')).to.throw('val_evaluator.iou_metrics');
  });
});
