/**
 * The geometric and intensity operations of a 3D pipeline (nnU-Net's preprocessing and augmentation) on C-order
 * volumes [D, H, W] with `channels` interleaved last ([D, H, W, C]) and label volumes [D, H, W]: intensity window or
 * z-score, resampling to a voxel spacing (trilinear for images, nearest for labels), padding to a patch, random
 * crops with foreground oversampling, flips and quarter turns. Plain typed arrays; no tfjs.
 */
import type { Rng } from '../../lib/random.js';
import type { Grid3, Shape3 } from '../types.js';

export type { Grid3, Shape3 };

const voxels = ([d, h, w]: Shape3) => d * h * w;

function alloc<T extends Float32Array | Uint8Array>(like: T, n: number): T {
  return (like instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n)) as T;
}

/** CT: clip to [lo, hi] and scale to [0, 1]. */
export function windowIntensity(g: Grid3<Float32Array>, [lo, hi]: [number, number]): Grid3<Float32Array> {
  const data = Float32Array.from(g.data, (v) => (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo));
  return { ...g, data };
}

/** MRI: (x − mean) / std per channel, over the voxels where `mask` (when given) is non-zero, as nnU-Net's ZScoreNormalization. */
export function zScore(g: Grid3<Float32Array>, mask?: Uint8Array): Grid3<Float32Array> {
  const data = new Float32Array(g.data.length);
  const c = g.channels;
  for (let k = 0; k < c; k++) {
    let [n, sum, sq] = [0, 0, 0];
    for (let v = 0; v < g.data.length / c; v++) {
      if (mask && !mask[v]) continue;
      const x = g.data[v * c + k]!;
      [n, sum, sq] = [n + 1, sum + x, sq + x * x];
    }
    const mean = n > 0 ? sum / n : 0;
    const std = Math.max(Math.sqrt(Math.max(0, sq / Math.max(1, n) - mean * mean)), 1e-8);
    for (let v = 0; v < g.data.length / c; v++) data[v * c + k] = (g.data[v * c + k]! - mean) / std;
  }
  return { ...g, data };
}

/**
 * `g` resampled from voxel `spacing` to `target` (mm, [d, h, w]): the output size is round(size · spacing / target);
 * output voxel i samples input coordinate (i + 0.5) · n_in / n_out − 0.5 (voxel centres aligned, clamped at the
 * edges); trilinear for images, nearest for labels.
 */
export function resampleToSpacing<T extends Float32Array | Uint8Array>(
  g: Grid3<T>,
  spacing: readonly number[],
  target: readonly number[],
  mode: 'trilinear' | 'nearest',
): Grid3<T> {
  const out = g.shape.map((n, a) => Math.max(1, Math.round((n * spacing[a]!) / target[a]!))) as Shape3;
  return resize3d(g, out, mode);
}

/** The two input samples and the weight of the second, for output index i of `m` over `n` inputs (centres aligned). */
function taps(i: number, n: number, m: number): [number, number, number] {
  const x = Math.min(n - 1, Math.max(0, ((i + 0.5) * n) / m - 0.5));
  const i0 = Math.floor(x);
  return [i0, Math.min(n - 1, i0 + 1), x - i0];
}

/** `g` resized to `out` ([D, H, W]): trilinear, or nearest (the nearer tap). */
export function resize3d<T extends Float32Array | Uint8Array>(g: Grid3<T>, out: Shape3, mode: 'trilinear' | 'nearest'): Grid3<T> {
  const [D, H, W] = g.shape;
  const c = g.channels;
  const data = alloc(g.data, voxels(out) * c);
  const [td, th, tw] = [out[0], out[1], out[2]].map((m, a) => Array.from({ length: m }, (_, i) => taps(i, [D, H, W][a]!, m)));
  for (let z = 0; z < out[0]; z++) {
    const [z0, z1, fz] = td[z]!;
    for (let y = 0; y < out[1]; y++) {
      const [y0, y1, fy] = th[y]!;
      for (let x = 0; x < out[2]; x++) {
        const [x0, x1, fx] = tw[x]!;
        const o = ((z * out[1] + y) * out[2] + x) * c;
        for (let k = 0; k < c; k++) {
          const at = (a: number, b: number, e: number) => g.data[((a * H + b) * W + e) * c + k]!;
          if (mode === 'nearest') {
            data[o + k] = at(fz < 0.5 ? z0 : z1, fy < 0.5 ? y0 : y1, fx < 0.5 ? x0 : x1);
            continue;
          }
          const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
          const plane = (a: number) => lerp(lerp(at(a, y0, x0), at(a, y0, x1), fx), lerp(at(a, y1, x0), at(a, y1, x1), fx), fy);
          data[o + k] = lerp(plane(z0), plane(z1), fz);
        }
      }
    }
  }
  return { data, shape: out, channels: c };
}

/** `g` padded (centred, `value`) so that every axis is at least `patch`. */
export function padToPatch<T extends Float32Array | Uint8Array>(g: Grid3<T>, patch: Shape3, value = 0): Grid3<T> {
  const out = g.shape.map((n, a) => Math.max(n, patch[a]!)) as Shape3;
  if (out.every((n, a) => n === g.shape[a])) return g;
  const before = out.map((n, a) => Math.floor((n - g.shape[a]!) / 2));
  return place(g, out, before, value);
}

/** `g` copied into a new grid of `out` at offset `before` (negative: cut), the rest `value`. */
function place<T extends Float32Array | Uint8Array>(g: Grid3<T>, out: Shape3, before: number[], value: number): Grid3<T> {
  const c = g.channels;
  const data = alloc(g.data, voxels(out) * c);
  data.fill(value);
  const [D, H, W] = g.shape;
  for (let z = 0; z < out[0]; z++) {
    const sz = z - before[0]!;
    if (sz < 0 || sz >= D) continue;
    for (let y = 0; y < out[1]; y++) {
      const sy = y - before[1]!;
      if (sy < 0 || sy >= H) continue;
      const x0 = Math.max(0, before[2]!);
      const sx0 = Math.max(0, -before[2]!);
      const n = Math.min(W - sx0, out[2] - x0);
      if (n > 0) data.set(g.data.subarray(((sz * H + sy) * W + sx0) * c, ((sz * H + sy) * W + sx0 + n) * c), ((z * out[1] + y) * out[2] + x0) * c);
    }
  }
  return { data, shape: out, channels: c };
}

/** The [D, H, W] window of `g` starting at `start`. */
export function crop3d<T extends Float32Array | Uint8Array>(g: Grid3<T>, start: Shape3, size: Shape3): Grid3<T> {
  return place(g, size, start.map((s) => -s), 0);
}

/**
 * nnU-Net's crop choice: with probability `foregroundProb` (1/3) a window that contains a voxel of a random
 * foreground class present in `label` (the voxel at a random position in the window), else a uniformly random
 * window. The volume must already be at least `patch`.
 */
export function randomCropStart(label: Grid3<Uint8Array>, patch: Shape3, rng: Rng, foregroundProb = 1 / 3): Shape3 {
  const [D, H, W] = label.shape;
  const room = [D - patch[0], H - patch[1], W - patch[2]];
  if (room.some((r) => r < 0)) throw new Error(`random crop: volume [${label.shape}] is smaller than the patch [${patch}]; pad first`);
  const uniform = () => room.map((r) => rng.int(r + 1)) as Shape3;
  if (rng.uniform() >= foregroundProb) return uniform();
  const classes = [...new Set(label.data)].filter((v) => v !== 0 && v !== 255);
  if (classes.length === 0) return uniform();
  const cls = classes.sort((a, b) => a - b)[rng.int(classes.length)]!;
  const at: number[] = [];
  for (let v = 0; v < label.data.length; v++) if (label.data[v] === cls) at.push(v);
  const v = at[rng.int(at.length)]!;
  const centre = [Math.floor(v / (H * W)), Math.floor(v / W) % H, v % W];
  return centre.map((p, a) => Math.min(room[a]!, Math.max(0, p - rng.int(patch[a]!)))) as Shape3;
}

/** `g` mirrored along the axes in `axes` (0 = D, 1 = H, 2 = W). */
export function flip3d<T extends Float32Array | Uint8Array>(g: Grid3<T>, axes: readonly number[]): Grid3<T> {
  if (axes.length === 0) return g;
  const [D, H, W] = g.shape;
  const c = g.channels;
  const data = alloc(g.data, g.data.length);
  const f = [0, 1, 2].map((a) => axes.includes(a));
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const from = (((f[0] ? D - 1 - z : z) * H + (f[1] ? H - 1 - y : y)) * W + (f[2] ? W - 1 - x : x)) * c;
        data.set(g.data.subarray(from, from + c), ((z * H + y) * W + x) * c);
      }
    }
  }
  return { ...g, data };
}

/** `g` turned `k` quarter turns in the (H, W) plane, as numpy's rot90(axes=(1, 2)): [D, H, W] -> [D, W, H] for odd k. */
export function rot90HW<T extends Float32Array | Uint8Array>(g: Grid3<T>, k: number): Grid3<T> {
  let out = g;
  for (let t = 0; t < ((k % 4) + 4) % 4; t++) {
    const [D, H, W] = out.shape;
    const c = out.channels;
    const data = alloc(out.data, out.data.length);
    for (let z = 0; z < D; z++) {
      for (let i = 0; i < W; i++) {
        for (let j = 0; j < H; j++) {
          const from = ((z * H + j) * W + (W - 1 - i)) * c;
          data.set(out.data.subarray(from, from + c), ((z * W + i) * H + j) * c);
        }
      }
    }
    out = { data, shape: [D, W, H], channels: c };
  }
  return out;
}
