/**
 * PNG files of images, label maps and depth maps, exact to the value: pngjs encodes the given samples as they are
 * (sharp would turn a Buffer of 16-bit samples into 8 bits), adds no time stamp, and so writes the same bytes for
 * the same pixels. Files are written to a temporary name and renamed, so a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import pngjs from 'pngjs';
import type { BitDepth, ColorType } from 'pngjs';
import type { DepthMap, Image, LabelMap } from '../../datasets/types.js';

const { PNG } = pngjs;

/** PNG colour type of an image by channel count: grey or RGB. */
const COLOR_TYPES: Record<number, ColorType> = { 1: 0, 3: 2 };

/** Encode samples (row-major, channels last) into PNG bytes. */
function encode(
  samples: Uint8Array | Uint16Array,
  width: number,
  height: number,
  colorType: ColorType,
  bitDepth: BitDepth,
): Buffer {
  const png = new PNG({ width, height });
  png.data = samples as Buffer; // pngjs reads `data` by index, so a Uint16Array carries 16-bit samples
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth });
}

/** Write bytes to `path` atomically: a temporary file beside it, then a rename. Creates the folder. */
async function writeAtomic(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * PNG bytes of a uint8 grey (1 channel) or RGB (3 channels) image, 8 bits per sample.
 * @throws Error for float images (denormalise first) and other channel counts.
 */
export function encodePng(image: Image): Buffer {
  const colorType = COLOR_TYPES[image.channels];
  if (!(image.data instanceof Uint8Array) || colorType === undefined) {
    const got = `${image.data.constructor.name} with ${image.channels} channels`;
    throw new Error(`a PNG image must be uint8 with 1 or 3 channels, got ${got}`);
  }
  return encode(image.data, image.width, image.height, colorType, 8);
}

/** Write a uint8 grey or RGB image as an 8-bit PNG. */
export async function writePng(path: string, image: Image): Promise<void> {
  await writeAtomic(path, encodePng(image));
}

/** Write a label map as an 8-bit grey PNG whose values are the class ids (255 = ignore), as datasets store them. */
export async function writeLabelPng(path: string, label: LabelMap): Promise<void> {
  await writeAtomic(path, encode(label.data, label.width, label.height, 0, 8));
}

/**
 * uint16 samples of a depth map: round(metres · scale), 0 where the depth is invalid (0, negative or NaN).
 * @throws RangeError when a depth does not fit in 16 bits at this scale.
 */
function depthSamples(depth: DepthMap, scale: number): Uint16Array {
  const out = new Uint16Array(depth.data.length);
  depth.data.forEach((d, i) => {
    if (!(d > 0)) return;
    const v = Math.round(d * scale);
    if (v > 65535) {
      throw new RangeError(`depth ${d} m × scale ${scale} = ${v} does not fit in 16 bits; lower the scale`);
    }
    out[i] = v;
  });
  return out;
}

/**
 * Write a depth map as a 16-bit grey PNG of round(metres · scale), 0 = invalid: the NYU (scale 1000, mm) and
 * KITTI (scale 256) convention, read back as value / scale.
 */
export async function writeDepthPng16(path: string, depth: DepthMap, scale: number): Promise<void> {
  await writeAtomic(path, encode(depthSamples(depth, scale), depth.width, depth.height, 0, 16));
}
