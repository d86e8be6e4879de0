import { expect } from 'chai';
import sharp from 'sharp';
import { lineChart, type Series } from '../../lib/viz/chart.js';
import { linearAxis, logAxis } from '../../lib/viz/ticks.js';

/** Width, height and the set of distinct colours of a PNG. */
async function decode(png: Buffer): Promise<{ width: number; height: number; colours: Set<string> }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const colours = new Set<string>();
  for (let i = 0; i < data.length; i += info.channels) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
  return { width: info.width, height: info.height, colours };
}

const loss: Series = {
  name: 'decode.loss_ce',
  points: Array.from({ length: 200 }, (_, i) => [i * 50, 2.5 * Math.exp(-i / 60) + 0.3] as [number, number]),
};
const miou: Series = { name: 'mIoU', points: [[2000, 30.5], [4000, 38.2], [6000, 41.9], [8000, 43.1]] };

describe('chart', () => {
  describe('axes', () => {
    it('extends a linear range to nice ticks, labelled with the decimals the step needs', () => {
      const axis = linearAxis([0.31, 2.8]);
      expect(axis.ticks).to.deep.equal([0, 0.5, 1, 1.5, 2, 2.5, 3]);
      expect(axis.domain).to.deep.equal([0, 3]);
      expect(axis.ticks.map(axis.label)).to.deep.equal(['0.0', '0.5', '1.0', '1.5', '2.0', '2.5', '3.0']);
    });

    it('keeps the data range plus a margin, with the ticks inside, and labels thousands as k', () => {
      const axis = linearAxis([0, 16000], 6, 0.05);
      expect(axis.domain).to.deep.equal([-800, 16800]);
      expect(axis.ticks.map(axis.label)).to.deep.equal(['0', '5k', '10k', '15k']);
    });

    it('widens a single value and an empty axis', () => {
      expect(linearAxis([5]).domain[0]).to.be.below(5);
      expect(linearAxis([]).domain).to.deep.equal([0, 1]);
    });

    it('puts log ticks on decades, with 2 and 5 over short ranges', () => {
      const short = logAxis([0.22, 2.8]);
      expect(short.domain).to.deep.equal([0.1, 10]);
      expect(short.ticks.map(short.label)).to.deep.equal(['0.1', '0.2', '0.5', '1', '2', '5', '10']);
      const long = logAxis([1e-5, 3]);
      expect(long.ticks.map(long.label)).to.deep.equal(['1e-5', '1e-4', '0.001', '0.01', '0.1', '1', '10']);
    });
  });

  describe('lineChart', () => {
    it('renders a PNG of the requested size with the series colours, text and gridlines', async () => {
      const png = await lineChart({
        title: 'Training',
        xLabel: 'iteration',
        yLabel: 'loss',
        series: [loss, miou],
        width: 640,
        height: 360,
      });
      const { width, height, colours } = await decode(png);
      expect([width, height]).to.deep.equal([640, 360]);
      expect(colours.size).to.be.above(20);
      expect(colours).to.include('31,119,180').and.include('255,127,14'); // the two series (Tableau blue, orange)
      expect(colours).to.include('228,228,228'); // gridlines
    });

    it('defaults to 800 × 450 and draws a log y axis', async () => {
      const png = await lineChart({ title: 'Loss', xLabel: 'iteration', yLabel: 'loss', series: [loss], logY: true });
      const { width, height, colours } = await decode(png);
      expect([width, height]).to.deep.equal([800, 450]);
      expect(colours).to.include('31,119,180');
    });

    it('skips NaN and missing points: the chart equals the one without them', async () => {
      const options = { title: 't', xLabel: 'x', yLabel: 'y', width: 300, height: 200 };
      const gappy: Series = { name: 'mIoU', points: [[0, NaN], ...miou.points, [9000, null], [NaN, 3]] };
      const a = await lineChart({ ...options, series: [gappy] });
      const b = await lineChart({ ...options, series: [miou] });
      expect(a.equals(b)).to.equal(true);
    });

    it('draws empty axes when there is nothing to plot', async () => {
      const png = await lineChart({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [], width: 200, height: 150 });
      const { width, height } = await decode(png);
      expect([width, height]).to.deep.equal([200, 150]);
    });
  });
});
