/**
 * Gradients of the ResizeBilinear and ResizeNearestNeighbor ops, built from tf ops so that one implementation runs
 * on every backend. tfjs 4.22's own gradients call ResizeBilinearGrad / ResizeNearestNeighborGrad kernels that are
 * wrong: tfjs-node (`tensorflow`) passes `align_corners` but not `half_pixel_centers` to TensorFlow's, so every
 * `align_corners=False` upsample (PyTorch's default) would train with the gradient of another resize; wasm's
 * ignore halfPixelCenters too; cpu's are wrong in every mode (its bilinear one returns [B, W, H, C]).
 *
 * A resize is a separable linear map, y[b, r, s, c] = Σ_i Σ_j H[i, r] · W[j, s] · x[b, i, j, c], where
 * H [inH, outH] and W [inW, outW] hold the source weights of each output row and column (two for bilinear, a
 * single 1 for nearest). Its adjoint contracts dy with the same matrices,
 * dx[b, i, j, c] = Σ_r Σ_s H[i, r] · W[j, s] · dy[b, r, s, c]: one broadcast matmul per axis. The matrices are
 * small ([512, 128] for a x4 upsample to 512: 256 KB) and built per call; a dense matmul does in/2 times the
 * arithmetic of a scatter, the price of running as one matmul on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs-core';

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** Rounding of the forward kernel's coordinate arithmetic: none (float64) or to float32. */
type Rounding = (v: number) => number;

/**
 * cpu's resize kernels compute scales and source coordinates in JS numbers (float64); wasm's, TensorFlow's and
 * WebGL's in float32. The two disagree where a coordinate lands on an integer: nearest-neighbour picks another
 * pixel there (e.g. 14 -> 23 rows with half-pixel centres, output row 11), so the matrix follows the backend.
 */
function backendRounding(backendName: string): Rounding {
  return backendName === 'cpu' ? (v) => v : Math.fround;
}

/** Source coordinate of each output index along one axis, as the forward kernels compute it. */
function sourceCoords(
  inSize: number,
  outSize: number,
  attrs: ResizeAttrs,
  bilinear: boolean,
  round: Rounding,
): Float64Array {
  const aligned = attrs.alignCorners && outSize > 1;
  const scale = round(aligned ? (inSize - 1) / (outSize - 1) : inSize / outSize);
  const coords = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    if (!attrs.halfPixelCenters) coords[o] = round(scale * o);
    else if (bilinear) coords[o] = round(round(scale * (o + 0.5)) - 0.5);
    else coords[o] = round(scale * (o + 0.5));
  }
  return coords;
}

/** Bilinear weights of one axis, [inSize, outSize]: output o reads floor(s) with 1 - frac and ceil(s) with frac. */
function bilinearMatrix(inSize: number, outSize: number, attrs: ResizeAttrs, round: Rounding): Float32Array {
  const m = new Float32Array(inSize * outSize);
  sourceCoords(inSize, outSize, attrs, true, round).forEach((s, o) => {
    const frac = s - Math.floor(s);
    const lo = Math.max(0, Math.floor(s));
    const hi = Math.min(inSize - 1, Math.ceil(s));
    m[lo * outSize + o] += 1 - frac;
    m[hi * outSize + o] += frac;
  });
  return m;
}

/** Nearest-neighbour selection of one axis, [inSize, outSize]: a single 1 per output o, at its source pixel. */
function nearestMatrix(inSize: number, outSize: number, attrs: ResizeAttrs, round: Rounding): Float32Array {
  const m = new Float32Array(inSize * outSize);
  sourceCoords(inSize, outSize, attrs, false, round).forEach((s, o) => {
    let i = Math.min(inSize - 1, attrs.alignCorners ? Math.round(s) : Math.floor(s));
    if (attrs.halfPixelCenters) i = Math.max(0, i);
    m[i * outSize + o] = 1;
  });
  return m;
}

/** The [inSize, outSize] matrix of one axis, for one resize's attributes on one backend. */
type AxisMatrix = (inSize: number, outSize: number) => Float32Array;

/** Contract axis 1 of g [N, out, K] with the axis matrix [in, out]: [N, in, K]. The identity (in = out) is skipped. */
function contract(g: tf.Tensor3D, matrix: AxisMatrix, inSize: number): tf.Tensor3D {
  const outSize = g.shape[1];
  if (inSize === outSize) return g;
  return tf.matMul(tf.tensor2d(matrix(inSize, outSize), [inSize, outSize]), g);
}

/** dx [B, inH, inW, C] of a resize of x [B, inH, inW, C] to dy's [B, outH, outW, C]. */
function resizeAdjoint(dy: tf.Tensor4D, inShape: number[], matrix: AxisMatrix): tf.Tensor4D {
  const [b, inH, inW, c] = inShape;
  const [, outH, outW] = dy.shape;
  return tf.tidy(() => {
    // columns: [B·outH, outW, C] -> [B·outH, inW, C]
    const byCols = contract(tf.reshape(dy, [b * outH, outW, c]), matrix, inW);
    // rows: [B, outH, inW·C] -> [B, inH, inW·C]
    const byRows = contract(tf.reshape(byCols, [b, outH, inW * c]), matrix, inH);
    return tf.reshape(byRows, [b, inH, inW, c]);
  });
}

type Kernel = 'ResizeBilinear' | 'ResizeNearestNeighbor';

function resizeGradConfig(kernelName: Kernel, build: typeof bilinearMatrix): GradConfig {
  return {
    kernelName,
    inputsToSave: ['images'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], [images]: tf.Tensor[], attrs: NamedAttrMap) => {
      const resize = attrs as unknown as ResizeAttrs;
      const round = backendRounding(tf.getBackend());
      const matrix: AxisMatrix = (inSize, outSize) => build(inSize, outSize, resize, round);
      return { images: () => resizeAdjoint(dy as tf.Tensor4D, images.shape, matrix) };
    },
  };
}

export const resizeBilinearGradConfig = resizeGradConfig('ResizeBilinear', bilinearMatrix);
export const resizeNearestNeighborGradConfig = resizeGradConfig('ResizeNearestNeighbor', nearestMatrix);
