/**
 * Sliding-window inference over volumes as nnU-Net does it (nnunetv2 sliding_window_prediction.py): windows of the
 * patch size stepping by half a patch (the steps spread evenly so the last window ends at the edge), each window's
 * logits weighted by a Gaussian importance map (σ = patch / 8, peak 1, no zero) and the weighted sum divided by the
 * summed weights; a volume smaller than the patch is padded (centred, zeros) and the result cropped back. Only one
 * window is on the model at a time: tensor memory is bounded by the patch, not the volume.
 */
import * as tf from '@tensorflow/tfjs-core';
import { roundHalfEven } from '../../datasets/transforms/interpolate.js';

/** nnU-Net's compute_steps_for_sliding_window: the window starts along each axis. */
export function slidingWindowSteps(image: readonly number[], tile: readonly number[], stepSize = 0.5): number[][] {
  return tile.map((t, axis) => {
    const size = image[axis]!;
    if (size < t) throw new Error(`sliding window: axis ${axis} is ${size}, smaller than the patch (${t}); pad first`);
    const count = Math.ceil((size - t) / (t * stepSize)) + 1;
    const step = count > 1 ? (size - t) / (count - 1) : 0;
    return Array.from({ length: count }, (_, i) => roundHalfEven(step * i));
  });
}

/** scipy's normalised 1D Gaussian kernel (truncate 4) at integer offsets −c..n−1−c. */
function kernel1d(n: number, sigma: number): number[] {
  const radius = Math.floor(4 * sigma + 0.5);
  const centre = Math.floor(n / 2);
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-0.5 * ((i - radius) / sigma) ** 2));
  const sum = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: n }, (_, i) => (Math.abs(i - centre) <= radius ? weights[i - centre + radius]! / sum : 0));
}

/** nnU-Net's compute_gaussian: the importance of each patch voxel, peak 1, zeros raised to the smallest weight. */
export function gaussianImportance(tile: readonly number[], sigmaScale = 1 / 8): Float32Array {
  const kernels = tile.map((n) => kernel1d(n, n * sigmaScale));
  const size = tile.reduce((a, b) => a * b, 1);
  const map = new Float64Array(size).fill(1);
  for (let i = 0; i < size; i++) {
    for (let axis = tile.length - 1, rest = i; axis >= 0; axis--) {
      map[i]! *= kernels[axis]![rest % tile[axis]!]!;
      rest = Math.floor(rest / tile[axis]!);
    }
  }
  const peak = map.reduce((a, b) => Math.max(a, b), 0); // not Math.max(...map): a 64×128×128 patch overflows the stack
  let smallest = Infinity;
  for (let i = 0; i < size; i++) if ((map[i]! /= peak) > 0) smallest = Math.min(smallest, map[i]!);
  return Float32Array.from(map, (v) => (v === 0 ? smallest : v));
}

export interface SlidingWindowOptions {
  /** [d, h, w] of a window. */
  patch: [number, number, number];
  /** Fraction of the patch between window starts (nnU-Net: 0.5). */
  stepSize?: number;
  /** Weight windows with the Gaussian importance map (default), or uniformly. */
  gaussian?: boolean;
  /** Also predict the 7 mirrored versions of each window (flips of D, H, W) and average them, as nnU-Net's TTA. */
  mirror?: boolean;
  /** Called after each window with (done, total). */
  progress?: (done: number, total: number) => void;
}

/** The [before, after] padding that centres `size` in `target` (batchgenerators' pad_nd_image). */
function centredPad(size: number, target: number): [number, number] {
  const total = Math.max(0, target - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** `predict` averaged over the flips of every subset of the three spatial axes. */
export function mirrored(predict: (x: tf.Tensor5D) => tf.Tensor5D, x: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => {
    const subsets = [[], [1], [2], [3], [1, 2], [1, 3], [2, 3], [1, 2, 3]];
    const sum = subsets
      .map((axes) => (axes.length === 0 ? predict(x) : tf.reverse(predict(tf.reverse(x, axes)), axes)))
      .reduce((a, b) => tf.add(a, b));
    return tf.div(sum, subsets.length) as tf.Tensor5D;
  });
}

/**
 * Logits [D, H, W, K] (row-major, K fastest) of `volume` [1, D, H, W, C] from `predict`, which maps a window
 * [1, d, h, w, C] to its logits [1, d, h, w, K].
 */
export async function slidingWindowPredict(
  volume: tf.Tensor5D,
  predict: (window: tf.Tensor5D) => tf.Tensor5D,
  options: SlidingWindowOptions,
): Promise<{ logits: Float32Array; shape: [number, number, number, number] }> {
  const [, D, H, W] = volume.shape;
  const pads = options.patch.map((p, i) => centredPad([D, H, W][i]!, p));
  const padded = tf.pad(volume, [[0, 0], ...pads, [0, 0]]) as tf.Tensor5D;
  const size = padded.shape.slice(1, 4) as [number, number, number];
  const [pd, ph, pw] = options.patch;
  const weights = options.gaussian === false ? new Float32Array(pd * ph * pw).fill(1) : gaussianImportance(options.patch);
  const starts = slidingWindowSteps(size, options.patch, options.stepSize ?? 0.5);
  const windows = starts[0]!.flatMap((z) => starts[1]!.flatMap((y) => starts[2]!.map((x) => [z, y, x] as const)));
  let sum: Float32Array | undefined;
  let K = 0;
  const count = new Float32Array(size[0] * size[1] * size[2]);
  for (const [n, [z, y, x]] of windows.entries()) {
    const window = tf.slice(padded, [0, z, y, x, 0], [1, pd, ph, pw, -1]);
    const out = tf.tidy(() => (options.mirror ? mirrored(predict, window) : predict(window)));
    const logits = (await out.data()) as Float32Array;
    tf.dispose([window, out]);
    K = out.shape[4]!;
    sum ??= new Float32Array(count.length * K);
    for (let a = 0; a < pd; a++) {
      for (let b = 0; b < ph; b++) {
        for (let c = 0; c < pw; c++) {
          const p = (a * ph + b) * pw + c;
          const v = ((z + a) * size[1] + (y + b)) * size[2] + (x + c);
          const w = weights[p]!;
          count[v]! += w;
          for (let k = 0; k < K; k++) sum[v * K + k]! += w * logits[p * K + k]!;
        }
      }
    }
    options.progress?.(n + 1, windows.length);
  }
  padded.dispose();
  const logits = new Float32Array(D * H * W * K);
  for (let d = 0; d < D; d++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const v = ((d + pads[0]![0]) * size[1] + (h + pads[1]![0])) * size[2] + (w + pads[2]![0]);
        const o = (d * H + h) * W + w;
        for (let k = 0; k < K; k++) logits[o * K + k] = sum![v * K + k]! / count[v]!;
      }
    }
  }
  return { logits, shape: [D, H, W, K] };
}
