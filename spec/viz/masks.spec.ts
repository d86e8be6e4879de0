import { expect } from 'chai';
import sharp from 'sharp';
import type { Image, LabelMap } from '../../datasets/types.js';
import { legend } from '../../lib/viz/legend.js';
import { colorize, labelsPresent, overlay } from '../../lib/viz/masks.js';
import { palette, type Rgb } from '../../lib/viz/palettes.js';
import { encodePng } from '../../lib/viz/png.js';

const PALETTE: Rgb[] = [
  [10, 20, 30],
  [40, 50, 60],
  [70, 80, 90],
];
/** 2×2 labels: class 0, class 1 / ignore, class 2. */
const label = (): LabelMap => ({ data: Uint8Array.from([0, 1, 255, 2]), height: 2, width: 2 });
const rgb = (values: number[]): Image => ({ data: Uint8Array.from(values), height: 2, width: 2, channels: 3 });

/** The RGB colour at (x, y) of an image. */
function pixel(image: Image, x: number, y: number): number[] {
  const i = 3 * (y * image.width + x);
  return [...image.data.subarray(i, i + 3)];
}

/** Number of distinct RGB colours in an image. */
function colourCount(image: Image): number {
  const seen = new Set<number>();
  for (let i = 0; i < image.data.length; i += 3) {
    seen.add((image.data[i] << 16) | (image.data[i + 1] << 8) | image.data[i + 2]);
  }
  return seen.size;
}

describe('masks', () => {
  describe('colorize', () => {
    it('gives each class its palette colour and ignore pixels the ignore colour', () => {
      const out = colorize(label(), PALETTE);
      expect(out).to.include({ height: 2, width: 2, channels: 3 });
      expect([...out.data]).to.deep.equal([10, 20, 30, 40, 50, 60, 0, 0, 0, 70, 80, 90]);
    });

    it('takes another ignore index and colour', () => {
      const out = colorize({ ...label(), data: Uint8Array.from([0, 1, 9, 2]) }, PALETTE, 9, [255, 255, 255]);
      expect([...out.data]).to.deep.equal([10, 20, 30, 40, 50, 60, 255, 255, 255, 70, 80, 90]);
    });

    it('names a label that is neither a class nor ignore, with its pixel', () => {
      const bad = { ...label(), data: Uint8Array.from([0, 1, 255, 3]) };
      expect(() => colorize(bad, PALETTE)).to.throw(RangeError, /label 3 at pixel \(x=1, y=1\).*3 classes/);
    });
  });

  describe('overlay', () => {
    const img = rgb([100, 100, 100, 0, 0, 0, 255, 255, 255, 10, 20, 30]);
    const mask = rgb([201, 50, 3, 255, 255, 255, 0, 0, 0, 40, 50, 60]);

    it("blends as mmseg: uint8(img·(1 − opacity) + mask·opacity), truncated (values from numpy)", () => {
      expect([...overlay(img, mask).data]).to.deep.equal([150, 75, 51, 127, 127, 127, 127, 127, 127, 25, 35, 45]);
      expect([...overlay(img, mask, 0.3).data]).to.deep.equal([130, 85, 70, 76, 76, 76, 178, 178, 178, 19, 29, 39]);
    });

    it('keeps the image where the label is ignore', () => {
      const out = overlay(img, mask, 0.5, label());
      expect([...out.data]).to.deep.equal([150, 75, 51, 127, 127, 127, 255, 255, 255, 25, 35, 45]);
    });

    it('refuses images of other sizes or types, and opacities outside [0, 1]', () => {
      const small = { data: new Uint8Array(3), height: 1, width: 1, channels: 3 };
      expect(() => overlay(img, small)).to.throw(/image is 2x2 but mask is 1x1/);
      const float = { ...img, data: new Float32Array(12) };
      expect(() => overlay(float, mask)).to.throw(/must be uint8 RGB, got Float32Array/);
      expect(() => overlay(img, mask, 1.5)).to.throw(RangeError, /opacity must be in \[0, 1\], got 1.5/);
    });
  });

  it('labelsPresent lists the values of a map in order', () => {
    expect(labelsPresent(label())).to.deep.equal([0, 1, 2, 255]);
  });

  describe('legend', () => {
    const classes = ['road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign'];
    const colours = palette('cityscapes');

    it('draws a swatch in the exact class colour and readable text per class', async () => {
      const image = await legend(classes, colours);
      expect(image.channels).to.equal(3);
      expect(image.height).to.equal(20 + 8 * 22);
      expect(image.width).to.be.within(120, 300);
      // swatch centres: x = 10 + 8, y = 10 + 22 r + 11
      classes.forEach((_, r) => expect(pixel(image, 18, 21 + 22 * r)).to.deep.equal(colours[r]));
      expect(colourCount(image)).to.be.above(20); // swatches, grey ids and anti-aliased text
      const text = [...image.data.subarray(0, 3 * image.width * 22)].filter((v, i) => i % 3 === 0 && v < 100);
      expect(text.length).to.be.above(30); // dark text pixels in the first row
    });

    it('shows only the present classes, leaving out ids that are no class', async () => {
      const image = await legend(classes, colours, [6, 0, 255, 6]);
      expect(image.height).to.equal(20 + 2 * 22);
      expect(pixel(image, 18, 21)).to.deep.equal(colours[0]);
      expect(pixel(image, 18, 43)).to.deep.equal(colours[6]);
    });

    it('puts many classes in columns of at most 30 and encodes to a PNG of its size', async () => {
      const ade = palette('ade20k');
      const image = await legend(ade.map((_, c) => `class ${c}`), ade);
      expect(image.height).to.equal(20 + 30 * 22);
      expect(pixel(image, 18, 21 + 22 * 29)).to.deep.equal(ade[29]);
      const meta = await sharp(encodePng(image)).metadata();
      expect([meta.format, meta.width, meta.height]).to.deep.equal(['png', image.width, image.height]);
    });

    it('says so when no class is present', async () => {
      const image = await legend(classes, colours, [255]);
      expect(image.height).to.equal(42);
      expect(colourCount(image)).to.be.above(2);
    });
  });
});
