/**
 * Image resizing with OpenCV's `cv2.resize` semantics, the backend mmcv's `imresize` uses:
 * - INTER_LINEAR: half-pixel centres, no antialiasing, separable (rows first, then columns). Out-of-range source
 *   columns are clamped by moving the tap (weight 0 on the missing neighbour); out-of-range rows are clamped by
 *   index. uint8 images use OpenCV's fixed-point arithmetic (11-bit weights, rounded result); float32 images are
 *   computed in float32.
 * - INTER_NEAREST: source index floor(dst · (1 / (out / in))) in double as cv2 computes it, clamped to the last pixel.
 */
import { allocLike, type Pixels, type Raster } from './raster.js';

/** OpenCV's INTER_RESIZE_COEF_SCALE: bilinear weights of uint8 images are integers out of 2048. */
const COEF_SCALE = 2048;
const f32 = Math.fround;

/** For each output coordinate along one axis: the two source indices and their weights (float32). */
interface Taps {
  index0: Int32Array;
  index1: Int32Array;
  weight0: Float32Array;
  weight1: Float32Array;
}

/**
 * cv2's bilinear taps along an axis of `size` resized to `outSize`. `clampWeights` (columns) moves an out-of-range
 * tap onto the edge pixel with weight 1; otherwise (rows) only the indices are clamped, weights kept.
 */
function linearTaps(size: number, outSize: number, clampWeights: boolean): Taps {
  const scale = 1 / (outSize / size);
  const taps: Taps = {
    index0: new Int32Array(outSize),
    index1: new Int32Array(outSize),
    weight0: new Float32Array(outSize),
    weight1: new Float32Array(outSize),
  };
  for (let d = 0; d < outSize; d++) {
    const f = f32((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    let frac = f32(f - s);
    if (clampWeights && s < 0) [s, frac] = [0, 0];
    if (clampWeights && s >= size - 1) [s, frac] = [size - 1, 0];
    taps.index0[d] = Math.min(Math.max(s, 0), size - 1);
    taps.index1[d] = Math.min(Math.max(s + 1, 0), size - 1);
    taps.weight0[d] = f32(1 - frac);
    taps.weight1[d] = frac;
  }
  return taps;
}

/** C's round-half-to-even (OpenCV's cvRound / saturate_cast on floats). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Weights as OpenCV's fixed-point shorts (out of 2048). */
function fixedWeights(w: Float32Array): Int32Array {
  return Int32Array.from(w, (v) => roundHalfEven(v * COEF_SCALE));
}

/** Bilinear resize of a uint8 raster to [outH, outW] with OpenCV's fixed-point arithmetic. */
function bilinearUint8(r: Raster<Uint8Array>, outH: number, outW: number): Uint8Array {
  const c = r.channels;
  const cols = linearTaps(r.width, outW, true);
  const rows = linearTaps(r.height, outH, false);
  const [a0, a1] = [fixedWeights(cols.weight0), fixedWeights(cols.weight1)];
  const [b0, b1] = [fixedWeights(rows.weight0), fixedWeights(rows.weight1)];
  // Horizontal pass on every source row: [H, outW, C] values scaled by 2048.
  const across = new Int32Array(r.height * outW * c);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < outW; x++) {
      const p0 = (y * r.width + cols.index0[x]) * c;
      const p1 = (y * r.width + cols.index1[x]) * c;
      for (let k = 0; k < c; k++) {
        across[(y * outW + x) * c + k] = r.data[p0 + k] * a0[x] + r.data[p1 + k] * a1[x];
      }
    }
  }
  const out = new Uint8Array(outH * outW * c);
  const row = outW * c;
  for (let y = 0; y < outH; y++) {
    const s0 = rows.index0[y] * row;
    const s1 = rows.index1[y] * row;
    for (let i = 0; i < row; i++) {
      // (S0·b0 + S1·b1) / 2048² rounded: OpenCV's FixedPtCast with 22 bits.
      const v = Math.floor((across[s0 + i] * b0[y] + across[s1 + i] * b1[y] + 2 ** 21) / 2 ** 22);
      out[y * row + i] = Math.min(Math.max(v, 0), 255);
    }
  }
  return out;
}

/** Bilinear resize of a float32 raster to [outH, outW], in float32 as OpenCV. */
function bilinearFloat32(r: Raster<Float32Array>, outH: number, outW: number): Float32Array {
  const c = r.channels;
  const cols = linearTaps(r.width, outW, true);
  const rows = linearTaps(r.height, outH, false);
  const across = new Float32Array(r.height * outW * c);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < outW; x++) {
      const p0 = (y * r.width + cols.index0[x]) * c;
      const p1 = (y * r.width + cols.index1[x]) * c;
      const [w0, w1] = [cols.weight0[x], cols.weight1[x]];
      for (let k = 0; k < c; k++) {
        across[(y * outW + x) * c + k] = f32(f32(r.data[p0 + k] * w0) + f32(r.data[p1 + k] * w1));
      }
    }
  }
  const out = new Float32Array(outH * outW * c);
  const row = outW * c;
  for (let y = 0; y < outH; y++) {
    const [s0, s1] = [rows.index0[y] * row, rows.index1[y] * row];
    const [w0, w1] = [rows.weight0[y], rows.weight1[y]];
    for (let i = 0; i < row; i++) out[y * row + i] = f32(across[s0 + i] * w0) + f32(across[s1 + i] * w1);
  }
  return out;
}

/** `r` resized to [outH, outW] with cv2.INTER_LINEAR. Same size: a copy. */
export function resizeBilinear<T extends Pixels>(r: Raster<T>, outH: number, outW: number): Raster<T> {
  if (outH === r.height && outW === r.width) return { ...r, data: r.data.slice() as T };
  const data = r.data instanceof Uint8Array
    ? bilinearUint8(r as Raster<Uint8Array>, outH, outW)
    : bilinearFloat32(r as Raster<Float32Array>, outH, outW);
  return { data: data as T, height: outH, width: outW, channels: r.channels };
}

/** cv2.INTER_NEAREST source index of each of `outSize` outputs along an axis of `size`. */
function nearestIndices(size: number, outSize: number): Int32Array {
  const scale = 1 / (outSize / size);
  return Int32Array.from({ length: outSize }, (_, d) => Math.min(Math.floor(d * scale), size - 1));
}

/** `r` resized to [outH, outW] with cv2.INTER_NEAREST: every output pixel is a copy of one input pixel. */
export function resizeNearest<T extends Pixels>(r: Raster<T>, outH: number, outW: number): Raster<T> {
  const c = r.channels;
  const ys = nearestIndices(r.height, outH);
  const xs = nearestIndices(r.width, outW);
  const data = allocLike(r.data, outH * outW * c);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const from = (ys[y] * r.width + xs[x]) * c;
      data.set(r.data.subarray(from, from + c), (y * outW + x) * c);
    }
  }
  return { data, height: outH, width: outW, channels: c };
}
