/**
 * Reading the files of datasets (lib/viz/png.ts writes PNGs).
 *
 * - Images: any format sharp decodes, EXIF orientation applied (as OpenCV's imread, which mmseg uses), alpha
 *   dropped, converted to sRGB: uint8 RGB, HWC.
 * - Label maps: PNGs of single-channel class ids. 8-bit (or 1/2/4-bit) grey PNGs are read as they are, palette
 *   ("P") PNGs as their palette indices (VOC), not their colours; colour label images are refused.
 * - Depth maps: 16-bit grey PNGs, read exactly.
 */
import { readFile } from 'node:fs/promises';
import { decode, hasPngSignature } from 'fast-png';
import sharp from 'sharp';
import { DataFileError, systemReason } from './errors.js';
import type { Image, LabelMap, Raster16 } from './types.js';

/** A decoded PNG before interpretation: samples row-major HWC, `depth` bits per sample (< 8 already unpacked). */
interface Raster {
  data: Uint8Array | Uint16Array;
  height: number;
  width: number;
  channels: number;
  depth: number;
  indexed: boolean;
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new DataFileError(path, `cannot read ${what} (${systemReason(err)})`);
  }
}

/** Samples of `depth` < 8 bits packed into bytes, rows byte-aligned (PNG), as one byte per sample. */
function unpackBits(packed: Uint8Array, samplesPerRow: number, rows: number, depth: number): Uint8Array {
  const out = new Uint8Array(samplesPerRow * rows);
  const rowBytes = Math.ceil((samplesPerRow * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < samplesPerRow; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)]!;
      out[y * samplesPerRow + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** A PNG's samples without any colour conversion: palette PNGs keep their indices, 16-bit stays 16-bit. */
function decodePngRaster(bytes: Uint8Array, path: string): Raster {
  let png;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new DataFileError(path, `corrupt PNG (${(err as Error).message})`);
  }
  const { width, height, channels, depth } = png;
  const data = depth < 8 ? unpackBits(png.data as Uint8Array, width * channels, height, depth) : png.data;
  return { data: data as Uint8Array | Uint16Array, width, height, channels, depth, indexed: png.palette !== undefined };
}

/** A PNG file's samples as stored (label maps and masks must be PNGs: lossless, grey or palette). */
async function readPngRaster(path: string, what: string): Promise<Raster> {
  const bytes = await readBytes(path, what);
  if (!hasPngSignature(bytes)) throw new DataFileError(path, `${what} is not a PNG file`);
  return decodePngRaster(bytes, path);
}

/** Read an image file as uint8 RGB, HWC. A missing, unreadable or corrupt file is a DataFileError naming it. */
export async function readImage(path: string): Promise<Image> {
  const bytes = await readBytes(path, 'image');
  let decoded;
  try {
    decoded = await sharp(bytes)
      .autoOrient()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new DataFileError(path, `cannot decode image (${(err as Error).message})`);
  }
  const { data, info } = decoded;
  if (info.channels !== 3) throw new DataFileError(path, `decoded to ${info.channels} channels, expected RGB`);
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { data: pixels, height: info.height, width: info.width, channels: 3 };
}

/**
 * Read a label map: class ids, one per pixel. Grey PNGs give their values, palette PNGs their indices. Colour
 * (RGB/RGBA, grey+alpha) and 16-bit label files are DataFileErrors naming the file and the fix.
 */
export async function readLabelMap(path: string): Promise<LabelMap> {
  const raster = await readPngRaster(path, 'label map');
  if (raster.channels !== 1) {
    throw new DataFileError(
      path,
      `label map has ${raster.channels} channels; labels must be single-channel class ids ` +
        '(convert colour masks to class ids with a palette)',
    );
  }
  if (raster.depth === 16) throw new DataFileError(path, 'label map is 16-bit; labels must be 8-bit class ids');
  return { data: raster.data as Uint8Array, height: raster.height, width: raster.width };
}

/** Read a binary mask: 1 where any colour channel (or the palette index) is non-zero, else 0 (alpha ignored). */
export async function readMask(path: string): Promise<LabelMap> {
  const { data, width, height, channels } = await readPngRaster(path, 'mask');
  const colours = channels === 2 || channels === 4 ? channels - 1 : channels;
  const mask = new Uint8Array(width * height);
  for (let p = 0; p < mask.length; p++) {
    for (let c = 0; c < colours; c++) if (data[p * channels + c] !== 0) mask[p] = 1;
  }
  return { data: mask, height, width };
}

/** Read a 16-bit single-channel PNG (depth map) exactly. Other kinds of file are DataFileErrors naming the file. */
export async function readDepthPng(path: string): Promise<Raster16> {
  const raster = await readPngRaster(path, 'depth map');
  if (raster.channels !== 1 || raster.depth !== 16 || raster.indexed) {
    throw new DataFileError(
      path,
      `depth map is a ${raster.depth}-bit ${raster.channels}-channel PNG; depth maps are 16-bit single-channel PNGs`,
    );
  }
  return { data: raster.data as Uint16Array, height: raster.height, width: raster.width };
}
