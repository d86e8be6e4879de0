import { expect } from 'chai';
import { formatTable } from '../../lib/viz/table.js';

// Expected strings printed by Python's prettytable 3.6 (what mmseg uses) for the same cells.
describe('formatTable', () => {
  it("prints mmseg's per-class table: centred, numbers as Python floats, NaN as nan", () => {
    const table = formatTable(
      ['Class', 'IoU', 'Acc'],
      [
        ['wall', 77.39, 88.01],
        ['building', 81.2, 90],
        ['sky', NaN, 94.5],
        ['a', 5, 100],
      ],
    );
    expect(table).to.equal(
      [
        '+----------+-------+-------+',
        '|  Class   |  IoU  |  Acc  |',
        '+----------+-------+-------+',
        '|   wall   | 77.39 | 88.01 |',
        '| building |  81.2 |  90.0 |',
        '|   sky    |  nan  |  94.5 |',
        '|    a     |  5.0  | 100.0 |',
        '+----------+-------+-------+',
      ].join('\n'),
    );
  });

  it('prints the summary table, odd padding on the left of even-length text', () => {
    const table = formatTable(['aAcc', 'mIoU', 'mAcc'], [[82.07, 44.47, 55.36]]);
    expect(table).to.equal(
      [
        '+-------+-------+-------+',
        '|  aAcc |  mIoU |  mAcc |',
        '+-------+-------+-------+',
        '| 82.07 | 44.47 | 55.36 |',
        '+-------+-------+-------+',
      ].join('\n'),
    );
  });

  it('aligns per column, strings printed as given', () => {
    const table = formatTable(
      ['Class', 'IoU', 'Acc'],
      [
        ['wall', 77.39, 88.01],
        ['building', '81.2', '90.0'],
        ['ab', 'x', 'y'],
      ],
      { align: ['l', 'r', 'c'] },
    );
    expect(table).to.equal(
      [
        '+----------+-------+-------+',
        '| Class    |   IoU |  Acc  |',
        '+----------+-------+-------+',
        '| wall     | 77.39 | 88.01 |',
        '| building |  81.2 |  90.0 |',
        '| ab       |     x |   y   |',
        '+----------+-------+-------+',
      ].join('\n'),
    );
    expect(formatTable(['abcd', 'x'], [['a', 'bc']], { align: 'r' })).to.contain('|    a | bc |');
  });

  it('refuses a row of the wrong length', () => {
    expect(() => formatTable(['a', 'b'], [['1']])).to.throw(/row 0 has 1 cells for 2 columns/);
  });
});
