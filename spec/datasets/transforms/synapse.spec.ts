/**
 * TransUNet's Synapse augmentations against scipy 1.10 (tools/reference/synapse_transforms.py): Zoom (scipy's zoom,
 * orders 0, 1 and 3), the rotation of RandomRotFlip (scipy's rotate, reshape=False, orders 0 and 1), numpy's rot90 +
 * flip, the choice statistics of RandomRotFlip, and RepeatChannels.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import '../../../datasets/transforms/index.js';
import { rot90Raster, rotateRaster, RandomRotFlip } from '../../../datasets/transforms/random-rot-flip.js';
import { flipRaster, type Raster } from '../../../datasets/transforms/raster.js';
import { RepeatChannels } from '../../../datasets/transforms/repeat-channels.js';
import { Zoom, zoomRaster, type SplineOrder } from '../../../datasets/transforms/zoom.js';
import type { Sample } from '../../../datasets/types.js';
import { Rng } from '../../../lib/random.js';
import { registries } from '../../../lib/registry.js';

interface Case {
  name: string;
  op: 'zoom' | 'rotate' | 'rot90flip' | 'zoom512';
  order: SplineOrder;
  label?: boolean;
  input: number[];
  shape: [number, number];
  size?: [number, number];
  angle?: number;
  k?: number;
  axis?: number;
  output: number[];
  first_row: number[];
  last_row: number[];
  last_col: number[];
  middle_row: number[];
}

const { cases } = JSON.parse(readFileSync(new URL('../../../../spec/fixtures/transforms/synapse.json', import.meta.url), 'utf8')) as { cases: Case[] };

function raster(c: Case): Raster {
  const data = c.label ? Uint8Array.from(c.input) : Float32Array.from(c.input);
  return { data, height: c.shape[0], width: c.shape[1], channels: 1 };
}

function run(c: Case): Raster {
  const r = raster(c);
  if (c.op === 'zoom') return zoomRaster(r, c.size![0], c.size![1], c.order);
  if (c.op === 'rotate') return rotateRaster(r, c.angle!, c.order === 0 ? 'nearest' : 'bilinear');
  let turned = r;
  for (let i = 0; i < c.k!; i++) turned = rot90Raster(turned);
  return flipRaster(turned, c.axis === 0 ? 'vertical' : 'horizontal');
}

const sample = (img: Raster, label?: Raster): Sample => ({
  index: 0,
  imgPath: 'slice.npz',
  meta: { task: 'segmentation', classes: ['a', 'b'], palette: [[0, 0, 0], [1, 1, 1]], reduceZeroLabel: false, ignoreIndex: 255 },
  img,
  ...(label ? { gtSegMap: { data: label.data as Uint8Array, height: label.height, width: label.width } } : {}),
});

/** The reference script's 512×512 pattern: 1 + ((7i + 13j) mod 17) / 17. */
function pattern512(): Raster {
  const data = new Float32Array(512 * 512);
  for (let i = 0; i < 512; i++) for (let j = 0; j < 512; j++) data[i * 512 + j] = 1 + ((i * 7 + j * 13) % 17) / 17;
  return { data, height: 512, width: 512, channels: 1 };
}

describe("TransUNet's Synapse transforms", () => {
  for (const c of cases.filter((x) => x.op === 'zoom512')) {
    it(`${c.name} equal scipy's: the last row and column are 0`, () => {
      const out = zoomRaster(pattern512(), 224, 224, c.order);
      const row = (y: number) => Array.from(out.data.subarray(y * 224, (y + 1) * 224));
      const col = Array.from({ length: 224 }, (_, y) => out.data[y * 224 + 223]!);
      for (const [got, want] of [[row(0), c.first_row], [row(111), c.middle_row], [row(223), c.last_row], [col, c.last_col]] as const) {
        expect(Math.max(...got.map((v, k) => Math.abs(v - want[k]!)))).to.be.at.most(1e-6);
      }
      expect(c.last_row.every((v) => v === 0)).to.equal(true);
    });
  }

  for (const c of cases.filter((x) => x.op !== 'zoom512')) {
    it(`${c.name} equals scipy's`, () => {
      const out = run(c);
      expect(out.data.length).to.equal(c.output.length);
      let worst = 0;
      for (let i = 0; i < c.output.length; i++) worst = Math.max(worst, Math.abs(out.data[i]! - c.output[i]!));
      expect(worst).to.be.at.most(c.label ? 0 : 1e-6);
    });
  }

  it('Zoom resizes the image with its order and the label map by nearest neighbour, and records the scale', () => {
    const c = cases.find((x) => x.name === 'zoom label order 0')!;
    const img = cases.find((x) => x.name === 'zoom down order 3')!;
    const zoom = registries.transform.build({ type: 'Zoom', size: [12, 12] }, 'pipeline.0') as Zoom;
    const out = zoom.apply(sample(raster(img), raster(c)));
    expect(Array.from(out.gtSegMap!.data)).to.deep.equal(c.output);
    expect(Array.from(out.img!.data)).to.deep.equal(Array.from(Float32Array.from(img.output)));
    expect(out.imgShape).to.deep.equal([12, 12]);
    expect(out.scaleFactor).to.deep.equal([12 / 19, 12 / 23]);
    expect(() => registries.transform.build({ type: 'Zoom' }, 'pipeline.1')).to.throw(/pipeline\.1.*size/);
  });

  it("RandomRotFlip with TransUNet's probabilities rotates a quarter of the slices and rot-flips half", () => {
    const t = new RandomRotFlip({ rotate_prob: 0.25, flip_prob: 2 / 3 });
    const rng = new Rng(7);
    const img: Raster = { data: Float32Array.from({ length: 20 }, (_, i) => i + 1), height: 4, width: 5, channels: 1 };
    let [rotated, turned, kept] = [0, 0, 0];
    for (let i = 0; i < 2000; i++) {
      const out = t.apply(sample(img), rng);
      const same = out.img!.data.every((v, j) => v === img.data[j]);
      const permuted = [...out.img!.data].sort((a, b) => a - b).every((v, j) => v === j + 1);
      if (same) kept++;
      else if (permuted) turned++;
      else rotated++;
    }
    expect(rotated / 2000).to.be.closeTo(0.25, 0.03);
    expect(turned / 2000).to.be.closeTo(0.5, 0.03); // rot90 + flip never gives back a 4×5 image unchanged
    expect(kept / 2000).to.be.closeTo(0.25, 0.03);
  });

  it('RepeatChannels repeats a grey slice to 3 channels and refuses other channel counts', () => {
    const grey: Raster = { data: Float32Array.from([0.25, 0.5]), height: 1, width: 2, channels: 1 };
    const out = new RepeatChannels({ channels: 3 }).apply(sample(grey));
    expect(Array.from(out.img!.data)).to.deep.equal([0.25, 0.25, 0.25, 0.5, 0.5, 0.5]);
    const two: Raster = { data: new Float32Array(4), height: 1, width: 2, channels: 2 };
    expect(() => new RepeatChannels({ channels: 3 }).apply(sample(two))).to.throw('RepeatChannels: slice.npz has 2 channels');
  });
});
