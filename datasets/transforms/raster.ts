/**
 * The pixel grids a sample carries (image, label map, depth map) seen alike, as row-major H×W×C rasters, and the
 * geometric operations that transforms apply to all of them at once: crop, flip, pad. Plain typed arrays only.
 */
import type { Image, Sample } from '../types.js';

export type Pixels = Uint8Array | Float32Array;

/** A row-major [H, W, C] grid of pixels: an image, or a label / depth map as one channel. */
export interface Raster<T extends Pixels = Pixels> {
  data: T;
  height: number;
  width: number;
  channels: number;
}

/** Which map of a sample a raster is: geometric transforms move them alike but interpolate and pad them apart. */
export type MapKind = 'img' | 'seg' | 'depth';

/** An operation applied to every map of a sample; it returns a raster of the same pixel type. */
export type RasterOp = <T extends Pixels>(raster: Raster<T>, kind: MapKind) => Raster<T>;

export const FLIP_DIRECTIONS = ['horizontal', 'vertical'] as const;
export type FlipDirection = (typeof FLIP_DIRECTIONS)[number];

/** A zero-filled array of `length` elements of the same type as `like`. */
export function allocLike<T extends Pixels>(like: T, length: number): T {
  return (like instanceof Uint8Array ? new Uint8Array(length) : new Float32Array(length)) as T;
}

/**
 * The part of `r` in rows [top, top + height) and columns [left, left + width), cut short at the bottom and right
 * edges as numpy slicing does. `top` and `left` lie inside `r`.
 */
export function cropRaster<T extends Pixels>(
  r: Raster<T>,
  top: number,
  left: number,
  height: number,
  width: number,
): Raster<T> {
  const h = Math.min(top + height, r.height) - top;
  const w = Math.min(left + width, r.width) - left;
  const c = r.channels;
  const data = allocLike(r.data, h * w * c);
  for (let y = 0; y < h; y++) {
    const from = ((top + y) * r.width + left) * c;
    data.set(r.data.subarray(from, from + w * c), y * w * c);
  }
  return { data, height: h, width: w, channels: c };
}

/** `r` mirrored left-right ('horizontal') or upside down ('vertical'). */
export function flipRaster<T extends Pixels>(r: Raster<T>, direction: FlipDirection): Raster<T> {
  const { height, width, channels: c } = r;
  const data = allocLike(r.data, r.data.length);
  const row = width * c;
  for (let y = 0; y < height; y++) {
    if (direction === 'vertical') {
      data.set(r.data.subarray(y * row, (y + 1) * row), (height - 1 - y) * row);
      continue;
    }
    for (let x = 0; x < width; x++) {
      const from = y * row + x * c;
      data.set(r.data.subarray(from, from + c), y * row + (width - 1 - x) * c);
    }
  }
  return { data, height, width, channels: c };
}

/** `r` grown to [height, width] by filling `value` at the bottom and on the right. */
export function padRaster<T extends Pixels>(r: Raster<T>, height: number, width: number, value: number): Raster<T> {
  const c = r.channels;
  const data = allocLike(r.data, height * width * c);
  data.fill(value);
  for (let y = 0; y < r.height; y++) {
    data.set(r.data.subarray(y * r.width * c, (y + 1) * r.width * c), y * width * c);
  }
  return { data, height, width, channels: c };
}

/** The sample's image; a transform that needs one names itself and the file when it is missing. */
export function requireImage(sample: Sample, transform: string): Image {
  if (sample.img === undefined) {
    throw new Error(`${transform}: ${sample.imgPath} has no image yet (put LoadImageFromFile before ${transform})`);
  }
  return sample.img;
}

/**
 * The sample with `op` applied to its image, label map and depth map (those it has), so that they stay aligned.
 * The maps must have the image's height and width.
 */
export function mapRasters(sample: Sample, transform: string, op: RasterOp): Sample {
  const img = requireImage(sample, transform);
  const out: Sample = { ...sample, img: op(img, 'img') };
  const { gtSegMap, gtDepthMap } = sample;
  if (gtSegMap !== undefined) {
    checkSameSize(sample, transform, 'label map', gtSegMap);
    const { data, height, width } = op({ ...gtSegMap, channels: 1 }, 'seg');
    out.gtSegMap = { data, height, width };
  }
  if (gtDepthMap !== undefined) {
    checkSameSize(sample, transform, 'depth map', gtDepthMap);
    const { data, height, width } = op({ ...gtDepthMap, channels: 1 }, 'depth');
    out.gtDepthMap = { data, height, width };
  }
  return out;
}

function checkSameSize(sample: Sample, transform: string, what: string, map: { height: number; width: number }): void {
  const img = requireImage(sample, transform);
  if (map.height !== img.height || map.width !== img.width) {
    throw new Error(
      `${transform}: the ${what} of ${sample.imgPath} is ${map.height}x${map.width} but the image is ` +
        `${img.height}x${img.width}; image and annotations must have the same size`,
    );
  }
}
