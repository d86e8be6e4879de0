/** Tiny dataset trees written under os.tmpdir() for the dataset tests, with segvit's own PNG writers. */
import { encode } from 'fast-png';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Image, LabelMap } from '../../datasets/types.js';
import type { ComponentConfig } from '../../lib/config/types.js';
import { registries } from '../../lib/registry.js';
import { Rng } from '../../lib/random.js';
import { writeLabelPng, writePng, writeRaster16Png } from '../../lib/viz/png.js';
import type { Dataset, Sample } from '../../datasets/types.js';
import '../../datasets/index.js';

/** A label map of `rows` (each a row of class ids). */
export function label(rows: number[][]): LabelMap {
  return { data: Uint8Array.from(rows.flat()), height: rows.length, width: rows[0]!.length };
}

/** A height x width RGB image whose pixel (y, x) is (y * 16 + x, 100, 200). */
export function image(height: number, width: number): Image {
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([(y * 16 + x) % 256, 100, 200], (y * width + x) * 3);
  }
  return { data, height, width, channels: 3 };
}

/** A temporary folder of dataset files; `remove()` deletes it. */
export class Tree {
  readonly root = mkdtempSync(join(tmpdir(), 'segvit-datasets-'));

  path(relative: string): string {
    const file = join(this.root, relative);
    mkdirSync(dirname(file), { recursive: true });
    return file;
  }

  /** An RGB image: PNG, or a real JPEG when the name ends in .jpg. */
  async image(relative: string, height = 2, width = 3): Promise<string> {
    const file = this.path(relative);
    const img = image(height, width);
    if (relative.endsWith('.jpg')) {
      await sharp(img.data, { raw: { width, height, channels: 3 } }).jpeg().toFile(file);
    } else writePng(file, img);
    return file;
  }

  label(relative: string, rows: number[][]): string {
    const file = this.path(relative);
    writeLabelPng(file, label(rows));
    return file;
  }

  /** A palette ("P") PNG of indices `rows`: `palette`'s colours, then (224, 224, 192) (VOC's border colour). */
  paletteLabel(relative: string, rows: number[][], palette: readonly (readonly number[])[]): string {
    const file = this.path(relative);
    const colours = Array.from({ length: 256 }, (_, i) => [...(palette[i] ?? [224, 224, 192])]);
    const { data, height, width } = label(rows);
    writeFileSync(file, encode({ data, height, width, depth: 8, channels: 1, palette: colours }));
    return file;
  }

  /** An 8-bit RGB PNG (a colour mask, or a CelebA mask saved in colour). */
  rgbPng(relative: string, rows: number[][][]): string {
    const file = this.path(relative);
    writePng(file, { data: Uint8Array.from(rows.flat(2)), height: rows.length, width: rows[0]!.length, channels: 3 });
    return file;
  }

  depth(relative: string, rows: number[][]): string {
    const file = this.path(relative);
    writeRaster16Png(file, { data: Uint16Array.from(rows.flat()), height: rows.length, width: rows[0]!.length });
    return file;
  }

  text(relative: string, content: string): string {
    const file = this.path(relative);
    writeFileSync(file, content);
    return file;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The dataset of `cfg` built from the global registries, as a config's train_dataloader.dataset. */
export function build(cfg: ComponentConfig): Dataset {
  return registries.dataset.build(cfg, 'train_dataloader.dataset') as Dataset;
}

export const LOAD_SEG = [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations' }];
export const LOAD_DEPTH = [{ type: 'LoadImageFromFile' }, { type: 'LoadDepthAnnotation' }];

/** Sample i of `dataset` through its pipeline. */
export function load(dataset: Dataset, i: number): Promise<Sample> {
  return dataset.get(i, new Rng(0));
}

/** The rows of a label map, for deep-equal assertions. */
export function rowsOf(map: { data: ArrayLike<number>; height: number; width: number }): number[][] {
  return Array.from({ length: map.height }, (_, y) => Array.from(map.data).slice(y * map.width, (y + 1) * map.width));
}

/** The error `promise` rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** The error `fn` throws. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
