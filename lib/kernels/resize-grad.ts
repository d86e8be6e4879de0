/**
 * ResizeBilinearGrad and ResizeNearestNeighborGrad as exact adjoints of tfjs's forward resize kernels.
 * tfjs 4.22's own versions are wrong: the bilinear gradient ignores `halfPixelCenters` (so every
 * `align_corners=False` upsample, PyTorch's default, trained with wrong gradients) and returns a [W, H]
 * shape for non-square images; cpu's nearest-neighbour gradient misplaces contributions.
 */
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** Source coordinate of each output index along one axis, as the forward kernels compute it. */
function sourceCoords(inSize: number, outSize: number, attrs: ResizeAttrs, bilinear: boolean): Float64Array {
  const ratio = attrs.alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const coords = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    coords[o] = attrs.halfPixelCenters ? ratio * (o + 0.5) - (bilinear ? 0.5 : 0) : ratio * o;
  }
  return coords;
}

/** Bilinear taps of one axis: lower and upper source index and the upper weight, per output index. */
function bilinearTaps(inSize: number, outSize: number, attrs: ResizeAttrs) {
  const src = sourceCoords(inSize, outSize, attrs, true);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  src.forEach((s, o) => {
    lo[o] = Math.max(0, Math.floor(s));
    hi[o] = Math.min(inSize - 1, Math.ceil(s));
    frac[o] = s - Math.floor(s);
  });
  return { lo, hi, frac };
}

function nearestTaps(inSize: number, outSize: number, attrs: ResizeAttrs): Int32Array {
  return Int32Array.from(sourceCoords(inSize, outSize, attrs, false), (s) => {
    const i = Math.min(inSize - 1, attrs.alignCorners ? Math.round(s) : Math.floor(s));
    return attrs.halfPixelCenters ? Math.max(0, i) : i;
  });
}

type Scatter = (dy: Float32Array, dx: Float32Array, shapes: { x: number[]; dy: number[] }, attrs: ResizeAttrs) => void;

const scatterBilinear: Scatter = (dy, dx, { x, dy: yShape }, attrs) => {
  const [batch, inH, inW, depth] = x;
  const [, outH, outW] = yShape;
  const rows = bilinearTaps(inH, outH, attrs);
  const cols = bilinearTaps(inW, outW, attrs);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const fr = rows.frac[r];
      const top = (b * inH + rows.lo[r]) * inW;
      const bottom = (b * inH + rows.hi[r]) * inW;
      for (let c = 0; c < outW; c++) {
        const fc = cols.frac[c];
        const g = ((b * outH + r) * outW + c) * depth;
        const taps: [number, number][] = [
          [(top + cols.lo[c]) * depth, (1 - fr) * (1 - fc)],
          [(top + cols.hi[c]) * depth, (1 - fr) * fc],
          [(bottom + cols.lo[c]) * depth, fr * (1 - fc)],
          [(bottom + cols.hi[c]) * depth, fr * fc],
        ];
        for (const [offset, weight] of taps) {
          for (let d = 0; d < depth; d++) dx[offset + d] += dy[g + d] * weight;
        }
      }
    }
  }
};

const scatterNearest: Scatter = (dy, dx, { x, dy: yShape }, attrs) => {
  const [batch, inH, inW, depth] = x;
  const [, outH, outW] = yShape;
  const rows = nearestTaps(inH, outH, attrs);
  const cols = nearestTaps(inW, outW, attrs);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      for (let c = 0; c < outW; c++) {
        const g = ((b * outH + r) * outW + c) * depth;
        const offset = ((b * inH + rows[r]) * inW + cols[c]) * depth;
        for (let d = 0; d < depth; d++) dx[offset + d] += dy[g + d];
      }
    }
  }
};

function resizeGrad(scatter: Scatter): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const own = backend as KernelBackend;
    const images = inputs.images as TensorInfo;
    const dyInfo = inputs.dy as TensorInfo;
    const dy = Float32Array.from(own.readSync(dyInfo.dataId) as Float32Array);
    const dx = new Float32Array(images.shape.reduce((a, b) => a * b, 1));
    scatter(dy, dx, { x: images.shape, dy: dyInfo.shape }, attrs as unknown as ResizeAttrs);
    return { dataId: own.write(dx, images.shape, 'float32'), shape: images.shape, dtype: 'float32' };
  };
}

export const resizeBilinearGrad = resizeGrad(scatterBilinear);
export const resizeNearestNeighborGrad = resizeGrad(scatterNearest);
