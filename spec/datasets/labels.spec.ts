import { expect } from 'chai';
import { LabelValueError } from '../../datasets/errors.js';
import { applyLut, checkLabelValues, labelLut, resizeNearest } from '../../datasets/labels.js';
import type { DatasetMeta } from '../../datasets/types.js';
import { label, rowsOf, thrown } from './trees.js';

const meta = (classes: number, reduceZeroLabel = false): DatasetMeta => ({
  task: 'segmentation',
  classes: Array.from({ length: classes }, (_, i) => `c${i}`),
  palette: Array.from({ length: classes }, () => [0, 0, 0] as [number, number, number]),
  reduceZeroLabel,
  ignoreIndex: 255,
});

describe('datasets/labels', () => {
  it('reduce_zero_label maps as mmseg: 0 -> 255, x -> x-1, 255 stays 255', () => {
    const lut = labelLut(true);
    expect([0, 1, 2, 150, 151, 254, 255].map((v) => lut[v])).to.deep.equal([255, 0, 1, 149, 150, 253, 255]);
    expect(Array.from(labelLut(false))).to.deep.equal(Array.from({ length: 256 }, (_, v) => v));
  });

  it('label_map applies after reduce_zero_label, to the reduced ids', () => {
    const lut = labelLut(true, { 0: 5, 1: 255 });
    expect([0, 1, 2, 3].map((v) => lut[v])).to.deep.equal([255, 5, 255, 2]);
    expect(rowsOf(applyLut(label([[1, 2, 3]]), lut))).to.deep.equal([[5, 255, 2]]);
  });

  it('checkLabelValues names the file, the values and the fix', () => {
    const one = thrown(() => checkLabelValues('ADE_x.png', label([[0, 150, 255]]), meta(150, true), true));
    expect(one).to.be.instanceOf(LabelValueError);
    expect((one as LabelValueError).values).to.deep.equal([150]);
    expect(one.message).to.equal(
      'ADE_x.png: label value 150 is not a class id (0..149) nor ignore_index 255 — reduce_zero_label (now true)? label_map? ' +
        '150 classes in metainfo.classes?',
    );
    const two = thrown(() => checkLabelValues('m.png', label([[3, 9, 3, 0]]), meta(3), false));
    expect(two.message).to.equal(
      'm.png: label values 3, 9 are not class ids (0..2) nor ignore_index 255 — reduce_zero_label (now false)? label_map? ' +
        '3 classes in metainfo.classes?',
    );
    expect(() => checkLabelValues('ok.png', label([[0, 2, 255]]), meta(3), false)).not.to.throw();
  });

  it('resizeNearest replicates pixels when scaling up by an integer factor', () => {
    expect(rowsOf(resizeNearest(label([[1, 2]]), 2, 4))).to.deep.equal([
      [1, 1, 2, 2],
      [1, 1, 2, 2],
    ]);
  });
});
