/** Depth maps as colour images, for `segvit predict` on a depth model and for training feedback. */
import type { DepthMap, Image } from '../../datasets/types.js';
import { colormap, type ColormapName } from './colormaps.js';

/** How `colorizeDepth` maps metres to colours. */
export interface DepthColorOptions {
  /** Depth (m) drawn with the first colour of the map; default: the smallest valid depth. */
  min?: number;
  /** Depth (m) drawn with the last colour of the map; default: the largest valid depth. */
  max?: number;
  /** Colour map; default 'magma'. */
  cmap?: ColormapName;
}

/** A depth that has ground truth / a prediction: finite and above 0 (0 marks invalid pixels). */
function isValid(d: number): boolean {
  return Number.isFinite(d) && d > 0;
}

/** Smallest and largest valid depth, or [0, 0] when no pixel is valid. */
export function validRange(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of data) {
    if (!isValid(d)) continue;
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/**
 * Index into a 256-colour table as matplotlib computes it (`Colormap.__call__` on `Normalize(min, max)(d)`):
 * floor(t · 256) with t = (d − min) / (max − min), clamped to 0..255; t = 0 when max ≤ min.
 */
function lutIndex(d: number, min: number, max: number): number {
  const t = max > min ? (d - min) / (max - min) : 0;
  return Math.min(255, Math.max(0, Math.floor(t * 256)));
}

/**
 * Colour a depth map: uint8 RGB, `min` → the map's first colour, `max` → its last, depths outside clamped,
 * invalid pixels (0, negative, NaN) black.
 */
export function colorizeDepth(depth: DepthMap, options: DepthColorOptions = {}): Image {
  const { data, height, width } = depth;
  const [lo, hi] = validRange(data);
  const min = options.min ?? lo;
  const max = options.max ?? hi;
  const table = colormap(options.cmap ?? 'magma');
  const out = new Uint8Array(height * width * 3);
  for (let i = 0; i < data.length; i++) {
    if (!isValid(data[i])) continue;
    const k = 3 * lutIndex(data[i], min, max);
    out.set(table.subarray(k, k + 3), 3 * i);
  }
  return { data: out, height, width, channels: 3 };
}
