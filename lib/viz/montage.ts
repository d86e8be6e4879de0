/**
 * A montage of axial slices of a volume with its labels drawn over them (what `segvit predict` shows for a 3D
 * prediction): evenly spaced slices in a grid, intensities scaled between the 1st and 99th percentiles of the volume,
 * foreground labels blended in their palette colours, background left as the image.
 */
import type { Grid3, Image } from '../../datasets/types.js';
import { colorize, overlay } from './masks.js';
import type { Rgb } from './palettes.js';

export interface MontageOptions {
  /** Slices shown, evenly spaced along D (all when D is smaller). */
  slices?: number;
  /** Slices per row. */
  columns?: number;
  /** Weight of the label colours. */
  opacity?: number;
}

/** The p-th percentile (0..100) of `values` (nearest rank). */
function percentile(values: Float32Array, p: number): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The first channel of `image` as grey uint8 RGB, slice by slice. */
function greySlices(image: Grid3<Float32Array>): (z: number) => Image {
  const [, H, W] = image.shape;
  const c = image.channels;
  const first = Float32Array.from({ length: image.data.length / c }, (_, v) => image.data[v * c]!);
  const [lo, hi] = [percentile(first, 1), percentile(first, 99)];
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  return (z) => {
    const data = new Uint8Array(H * W * 3);
    for (let p = 0; p < H * W; p++) data.fill(Math.round(Math.min(255, Math.max(0, (first[z * H * W + p]! - lo) * scale))), 3 * p, 3 * p + 3);
    return { data, height: H, width: W, channels: 3 };
  };
}

/** Axial slices of `image` [D, H, W, C] with `labels` [D, H, W] over them, as one uint8 RGB image. */
export function axialMontage(image: Grid3<Float32Array>, labels: Uint8Array, palette: readonly Rgb[], o: MontageOptions = {}): Image {
  const [D, H, W] = image.shape;
  const n = Math.min(D, o.slices ?? 16);
  const columns = Math.min(n, o.columns ?? 4);
  const rows = Math.ceil(n / columns);
  const grey = greySlices(image);
  const out = new Uint8Array(rows * H * columns * W * 3);
  for (let i = 0; i < n; i++) {
    const z = Math.floor(((i + 0.5) * D) / n);
    const label = { data: labels.subarray(z * H * W, (z + 1) * H * W), height: H, width: W };
    const background = { ...label, data: Uint8Array.from(label.data, (v) => (v === 0 ? 255 : v)) };
    const tile = overlay(grey(z), colorize(label, palette), o.opacity ?? 0.5, background);
    const [top, left] = [Math.floor(i / columns) * H, (i % columns) * W];
    for (let y = 0; y < H; y++) out.set(tile.data.subarray(y * W * 3, (y + 1) * W * 3), ((top + y) * columns * W + left) * 3);
  }
  return { data: out, height: rows * H, width: columns * W, channels: 3 };
}
