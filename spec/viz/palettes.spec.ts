import { expect } from 'chai';
import { palette, PALETTE_NAMES, randomPalette } from '../../lib/viz/palettes.js';

describe('palettes', () => {
  it("have mmseg's lengths", () => {
    const lengths = PALETTE_NAMES.map((name) => palette(name).length);
    expect(lengths).to.deep.equal([150, 19, 21, 60, 59, 171, 19]);
  });

  it("hold mmseg's colours (first, last and a few named classes)", () => {
    expect(palette('ade20k')[0]).to.deep.equal([120, 120, 120]);
    expect(palette('ade20k')[12]).to.deep.equal([150, 5, 61]); // person
    expect(palette('ade20k')[149]).to.deep.equal([92, 0, 255]);
    expect(palette('cityscapes')[0]).to.deep.equal([128, 64, 128]); // road
    expect(palette('cityscapes')[13]).to.deep.equal([0, 0, 142]); // car
    expect(palette('cityscapes')[18]).to.deep.equal([119, 11, 32]); // bicycle
    expect(palette('voc')[0]).to.deep.equal([0, 0, 0]);
    expect(palette('voc')[1]).to.deep.equal([128, 0, 0]); // aeroplane
    expect(palette('voc')[20]).to.deep.equal([0, 64, 128]);
    expect(palette('coco-stuff')[0]).to.deep.equal([0, 192, 64]);
    expect(palette('coco-stuff')[26]).to.deep.equal([0, 0, 0]);
    expect(palette('coco-stuff')[170]).to.deep.equal([64, 64, 0]);
    expect(palette('celebamask-hq')[1]).to.deep.equal([204, 0, 0]); // skin
    expect(palette('celebamask-hq')[7]).to.deep.equal([255, 204, 204]); // r_brow
    expect(palette('celebamask-hq')[18]).to.deep.equal([0, 204, 0]); // cloth
  });

  it('give Pascal Context 59 the 60-class colours without background', () => {
    const p60 = palette('pascal-context');
    const p59 = palette('pascal-context-59');
    expect(p60[0]).to.deep.equal([120, 120, 120]);
    expect(p59[0]).to.deep.equal([180, 120, 120]);
    expect(p59[58]).to.deep.equal([31, 0, 255]);
    expect(p59).to.deep.equal(p60.slice(1));
  });

  it("accept mmseg's dataset type names and other spellings", () => {
    expect(palette('ADE20KDataset')).to.deep.equal(palette('ade20k'));
    expect(palette('PascalVOCDataset')).to.deep.equal(palette('voc'));
    expect(palette('PascalContextDataset59')).to.deep.equal(palette('pascal-context-59'));
    expect(palette('pascal_context')).to.deep.equal(palette('pascal-context'));
    expect(palette('COCOStuffDataset')).to.deep.equal(palette('coco-stuff'));
  });

  it('return a copy and name the known palettes for an unknown name', () => {
    palette('voc')[1][0] = 7;
    expect(palette('voc')[1]).to.deep.equal([128, 0, 0]);
    expect(() => palette('kitti')).to.throw(/no palette named 'kitti'; known: ade20k, cityscapes/);
  });

  describe('randomPalette', () => {
    it('is the same for the same seed and differs between seeds', () => {
      expect(randomPalette(20, 7)).to.deep.equal(randomPalette(20, 7));
      expect(randomPalette(20, 7)).to.not.deep.equal(randomPalette(20, 8));
      expect(randomPalette(5)).to.deep.equal(randomPalette(20).slice(0, 5));
    });

    it('gives n distinct colours, none dark', () => {
      const colours = randomPalette(300);
      expect(colours).to.have.length(300);
      expect(new Set(colours.map((c) => c.join(','))).size).to.equal(300);
      for (const c of colours) {
        expect(Math.max(...c)).to.be.at.least(165);
        for (const v of c) expect(Number.isInteger(v) && v >= 0 && v <= 255).to.equal(true);
      }
    });

    it('spreads the hues of neighbouring classes', () => {
      const [a, b] = randomPalette(2, 1);
      const distance = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      expect(distance).to.be.above(100);
    });
  });
});
