/** Images in the browser: what `predict` takes, as segvit's uint8 RGB `Image`, and RGB images back as ImageData. */
import type { Image } from '../../datasets/types.js';

/** What `predict` takes: a decoded image of the page. */
export type ImageInput = HTMLImageElement | HTMLCanvasElement | ImageBitmap | ImageData | OffscreenCanvas;

const KINDS = 'an HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap or ImageData';

/** The r, g, b of every pixel from `from` (pixels `fromStep` bytes apart) to `to` (`toStep` apart). */
function copyRgb(from: ArrayLike<number>, fromStep: number, to: Uint8Array | Uint8ClampedArray, toStep: number): void {
  for (let i = 0, j = 0; j < to.length; i += fromStep, j += toStep) {
    to[j] = from[i]!;
    to[j + 1] = from[i + 1]!;
    to[j + 2] = from[i + 2]!;
  }
}

/** Whether `value` is an instance of the global class `name` (absent in workers or other realms: false). */
function isA(value: unknown, name: string): boolean {
  const ctor = (globalThis as Record<string, unknown>)[name];
  return typeof ctor === 'function' && value instanceof (ctor as new () => unknown);
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/** A 2D context of a canvas of the given size (OffscreenCanvas where there is one). */
function context2d(width: number, height: number): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [width, height];
  return canvas.getContext('2d', { willReadFrequently: true })!;
}

/** The pixels of a drawable image, as ImageData (sRGB). */
function pixelsOf(source: Exclude<ImageInput, ImageData>): ImageData {
  const [width, height] = isA(source, 'HTMLImageElement')
    ? [(source as HTMLImageElement).naturalWidth, (source as HTMLImageElement).naturalHeight]
    : [source.width, source.height];
  if (!(width > 0 && height > 0)) {
    throw new Error(`predict: the image has no pixels (${width}x${height}); wait for it to load (img.decode()) before predicting`);
  }
  const ctx = context2d(width, height);
  ctx.drawImage(source, 0, 0);
  return ctx.getImageData(0, 0, width, height);
}

/** The image as uint8 RGB (alpha dropped). Throws a TypeError naming what was given when it is no image. */
export function toImage(input: ImageInput): Image {
  let pixels: ImageData;
  if (isA(input, 'ImageData')) pixels = input as ImageData;
  else if (['HTMLImageElement', 'HTMLCanvasElement', 'ImageBitmap', 'OffscreenCanvas'].some((k) => isA(input, k))) {
    pixels = pixelsOf(input as Exclude<ImageInput, ImageData>);
  } else throw new TypeError(`predict: expected ${KINDS}, got ${kindOf(input)}`);
  const { data, width, height } = pixels;
  const rgb = new Uint8Array(width * height * 3);
  copyRgb(data, 4, rgb, 3);
  return { data: rgb, height, width, channels: 3 };
}

/** An opaque ImageData of a uint8 RGB image. */
export function toImageData(image: Image): ImageData {
  const { data, width, height } = image;
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  copyRgb(data, 3, rgba, 4);
  return new ImageData(rgba, width, height);
}
