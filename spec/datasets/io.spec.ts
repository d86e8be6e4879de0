import { expect } from 'chai';
import { encode } from 'fast-png';
import { readFileSync, writeFileSync } from 'node:fs';
import { DataFileError } from '../../datasets/errors.js';
import { readDepthPng, readImage, readLabelMap, readMask } from '../../datasets/io.js';
import { VOC_PALETTE } from '../../datasets/voc.js';
import { encodeLabelPng, encodePng, encodeRaster16Png } from '../../lib/viz/png.js';
import { image, label, rejection, rowsOf, Tree } from './trees.js';

describe('datasets/io', () => {
  let tree: Tree;
  beforeEach(() => (tree = new Tree()));
  afterEach(() => tree.remove());

  describe('readImage', () => {
    it('reads an RGB PNG exactly as uint8 HWC', async () => {
      const file = await tree.image('a.png', 3, 4);
      const img = await readImage(file);
      expect([img.height, img.width, img.channels]).to.deep.equal([3, 4, 3]);
      expect(img.data).to.be.instanceOf(Uint8Array);
      expect(Array.from(img.data)).to.deep.equal(Array.from(image(3, 4).data));
    });

    it('expands a grey image to RGB', async () => {
      const file = tree.label('grey.png', [[10, 200]]);
      const img = await readImage(file);
      expect(img.channels).to.equal(3);
      expect(Array.from(img.data)).to.deep.equal([10, 10, 10, 200, 200, 200]);
    });

    it('reads a JPEG', async () => {
      const img = await readImage(await tree.image('a.jpg', 8, 8));
      expect([img.height, img.width, img.channels]).to.deep.equal([8, 8, 3]);
    });

    it('names a corrupt image in its error', async () => {
      const file = tree.text('broken.jpg', 'not an image at all');
      const err = await rejection(readImage(file));
      expect(err).to.be.instanceOf(DataFileError);
      expect(err.message).to.match(new RegExp(`^${file}: cannot decode image \\(`));
    });

    it('names a truncated PNG in its error', async () => {
      const good = readFileSync(await tree.image('whole.png', 16, 16));
      const file = tree.text('truncated.png', '');
      writeFileSync(file, good.subarray(0, good.length - 30));
      expect((await rejection(readImage(file))).message).to.contain(`${file}: cannot decode image`);
    });

    it('names a missing image in its error', async () => {
      const err = await rejection(readImage(`${tree.root}/nope.jpg`));
      expect(err.message).to.equal(`${tree.root}/nope.jpg: cannot read image (ENOENT: no such file or directory)`);
    });
  });

  describe('readLabelMap', () => {
    it('reads an 8-bit grey PNG as class ids', async () => {
      const rows = [
        [0, 1, 2],
        [254, 255, 7],
      ];
      expect(rowsOf(await readLabelMap(tree.label('l.png', rows)))).to.deep.equal(rows);
    });

    it('reads a palette PNG as its indices, not its colours (VOC), 255 borders included', async () => {
      const rows = [
        [0, 15, 255],
        [20, 255, 1],
      ];
      const file = tree.paletteLabel('voc.png', rows, VOC_PALETTE);
      expect(rowsOf(await readLabelMap(file))).to.deep.equal(rows);
    });

    it('unpacks 4-bit palette and 1-bit grey PNGs (rows byte-aligned)', async () => {
      // 3 pixels per row at 4 bits: 1.5 bytes, padded to 2.
      const four = tree.path('four.png');
      const palette = Array.from({ length: 16 }, (_, i) => [i * 16, 0, 0]);
      writeFileSync(four, encode({ width: 3, height: 2, depth: 4, channels: 1, palette, data: Uint8Array.from([0x1f, 0x20, 0x34, 0x50]) }));
      expect(rowsOf(await readLabelMap(four))).to.deep.equal([
        [1, 15, 2],
        [3, 4, 5],
      ]);
      const one = tree.path('one.png');
      writeFileSync(one, encode({ width: 10, height: 1, depth: 1, channels: 1, data: Uint8Array.from([0b10110000, 0b01000000]) }));
      expect(rowsOf(await readLabelMap(one))).to.deep.equal([[1, 0, 1, 1, 0, 0, 0, 0, 0, 1]]);
    });

    it('refuses a colour label image, naming the file and the fix', async () => {
      const file = tree.rgbPng('colour.png', [[[128, 0, 0]]]);
      const err = await rejection(readLabelMap(file));
      expect(err.message).to.equal(
        `${file}: label map has 3 channels; labels must be single-channel class ids (convert colour masks to class ids with a palette)`,
      );
    });

    it('refuses a label map that is not a PNG', async () => {
      const file = await tree.image('label.jpg', 2, 2);
      expect((await rejection(readLabelMap(file))).message).to.equal(`${file}: label map is not a PNG file`);
    });

    it('refuses a 16-bit label PNG', async () => {
      const file = tree.depth('deep.png', [[1, 2]]);
      expect((await rejection(readLabelMap(file))).message).to.equal(`${file}: label map is 16-bit; labels must be 8-bit class ids`);
    });
  });

  it('readMask: 1 where any colour channel is set (grey or RGB masks)', async () => {
    const grey = tree.label('g.png', [[0, 255, 0]]);
    const rgb = tree.rgbPng('c.png', [[[0, 0, 0], [255, 255, 255], [0, 0, 9]]]);
    expect(rowsOf(await readMask(grey))).to.deep.equal([[0, 1, 0]]);
    expect(rowsOf(await readMask(rgb))).to.deep.equal([[0, 1, 1]]);
  });

  describe('readDepthPng', () => {
    it('reads 16-bit values exactly', async () => {
      const rows = [
        [0, 1, 255, 256],
        [1000, 32768, 65534, 65535],
      ];
      const depth = await readDepthPng(tree.depth('d.png', rows));
      expect(depth.data).to.be.instanceOf(Uint16Array);
      expect(rowsOf(depth)).to.deep.equal(rows);
    });

    it('refuses an 8-bit PNG', async () => {
      const file = tree.label('d8.png', [[1]]);
      expect((await rejection(readDepthPng(file))).message).to.equal(
        `${file}: depth map is a 8-bit 1-channel PNG; depth maps are 16-bit single-channel PNGs`,
      );
    });
  });

  describe('PNG writers', () => {
    it('write byte-identical files for identical input, and read back exactly', async () => {
      const l = label([
        [0, 1],
        [2, 255],
      ]);
      expect(encodeLabelPng(l).equals(encodeLabelPng(label(rowsOf(l))))).to.equal(true);
      expect(encodePng(image(5, 7)).equals(encodePng(image(5, 7)))).to.equal(true);
      const d = { data: Uint16Array.from([0, 65535, 4242]), height: 1, width: 3 };
      expect(encodeRaster16Png(d).equals(encodeRaster16Png({ ...d, data: d.data.slice() }))).to.equal(true);
      const file = tree.path('w.png');
      writeFileSync(file, encodeRaster16Png(d));
      expect(Array.from((await readDepthPng(file)).data)).to.deep.equal([0, 65535, 4242]);
    });

    it('check the data size', () => {
      expect(() => encodeLabelPng({ data: new Uint8Array(3), height: 2, width: 2 })).to.throw('label map: 3 values for 2x2x1');
    });
  });
});
