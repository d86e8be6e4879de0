/** `F.interpolate` for channels-last images with PyTorch's sampling rules. */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { separableMap } from './separable.js';
import { add } from './add.js';

export interface InterpolateOptions {
  /** Output [H, W]; or give `scaleFactor`. */
  size?: [number, number];
  /** Output = floor(input · scale). */
  scaleFactor?: number | [number, number];
  mode?: 'bilinear' | 'nearest' | 'bicubic';
  /**
   * bilinear and bicubic. false (PyTorch's and mmseg's default): half-pixel sampling, edges clamped.
   * true (DPT's decoder): corner pixels of input and output coincide.
   */
  alignCorners?: boolean;
}

/** Resize x [B, H, W, C] as `F.interpolate(x, size | scale_factor, mode, align_corners)`. */
export function interpolate(x: tf.Tensor4D, options: InterpolateOptions): tf.Tensor4D {
  const [, h, w] = x.shape;
  let size = options.size;
  if (!size) {
    const s = options.scaleFactor;
    if (s === undefined) throw new Error('interpolate needs size or scaleFactor');
    const [sh, sw] = typeof s === 'number' ? [s, s] : s;
    size = [Math.floor(h * sh), Math.floor(w * sw)];
  }
  if (size[0] === h && size[1] === w) return x;
  const mode = options.mode ?? 'bilinear';
  if (mode === 'nearest') {
    if (options.alignCorners) throw new Error('align_corners only has an effect with bilinear interpolation');
    // PyTorch 'nearest' takes floor(dst · in/out): TF's legacy nearest rule.
    return tf.image.resizeNearestNeighbor(x, size, false, false);
  }
  const alignCorners = options.alignCorners ?? false;
  if (mode === 'bicubic') return resizeBicubic(x, size, alignCorners);
  return tf.image.resizeBilinear(x, size, alignCorners, !alignCorners);
}

/** `nn.Upsample(scale_factor | size, mode, align_corners)` as a layer (no state), for use inside a Sequential. */
export class Upsample extends Module implements Layer {
  constructor(readonly options: InterpolateOptions) {
    super();
  }

  /** [B, H, W, C] -> [B, H', W', C] */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return interpolate(x, this.options);
  }
}

/** PyTorch's cubic convolution weights (A = -0.75) of the 4 taps around a source position with fraction t. */
function cubicWeights(t: number): number[] {
  const a = -0.75;
  const near = (d: number) => ((a + 2) * d - (a + 3)) * d * d + 1;
  const far = (d: number) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/**
 * Interpolation matrix [out, in] of PyTorch's bicubic mode along one axis: source positions are not clamped
 * (unlike bilinear), taps beyond the edge read the edge pixel.
 */
function bicubicMatrix(inSize: number, outSize: number, alignCorners: boolean): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = alignCorners ? o * scale : (o + 0.5) * scale - 0.5;
    const base = Math.floor(src);
    cubicWeights(src - base).forEach((w, k) => {
      const i = Math.min(inSize - 1, Math.max(0, base - 1 + k));
      m[o * inSize + i] += w;
    });
  }
  return tf.tensor2d(m, [outSize, inSize]);
}

/** Bicubic resize of [B, H, W, C]. */
function resizeBicubic(x: tf.Tensor4D, [oh, ow]: [number, number], alignCorners: boolean): tf.Tensor4D {
  return tf.tidy(() =>
    separableMap(x, bicubicMatrix(x.shape[1], oh, alignCorners), bicubicMatrix(x.shape[2], ow, alignCorners)),
  );
}

/** x resized (bilinear) to the height and width of `like`. */
export function resizeLike(x: tf.Tensor4D, like: tf.Tensor4D, alignCorners: boolean): tf.Tensor4D {
  return interpolate(x, { size: [like.shape[1], like.shape[2]], alignCorners });
}

/** FPN's top-down pass on laterals, finest first: from the coarsest, each level plus the level above it resized to it. */
export function topDown(laterals: tf.Tensor4D[], alignCorners: boolean): tf.Tensor4D[] {
  const out = [...laterals];
  for (let i = out.length - 1; i > 0; i--) out[i - 1] = add(out[i - 1], resizeLike(out[i], out[i - 1], alignCorners));
  return out;
}
