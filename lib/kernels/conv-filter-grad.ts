/**
 * Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter (the weight gradients of every conv, which wasm
 * lacks), composed from kernels wasm has: per filter tap, a strided slice of the padded input, then a matmul
 * (dense) or a multiply-sum (depthwise). Same FLOPs as a direct kernel, at wasm speed.
 * A dense conv whose patch matrix [B·OH·OW, kH·kW·C] is small takes one matmul over it instead of one per tap
 * (thin per-tap products, e.g. Swin's 4×4 patch embedding with C = 3, run far below GEMM speed); non-overlapping
 * patches (stride = kernel, as patch embeddings) are then a reshape and a transpose of the input.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface FilterGradAttrs {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  filterShape: [number, number, number, number];
}

export function asTensor(info: TensorInfo): tf.Tensor {
  return info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
}

/** For filter tap (kh, kw): the input pixels that tap saw, [B, OH, OW, C], taken from the padded input. */
function tapInputs(xPadded: tf.Tensor4D, info: tf.backend_util.Conv2DInfo, kh: number, kw: number): tf.Tensor4D {
  const { batchSize, outHeight, outWidth, inChannels, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = kh * dilationHeight;
  const left = kw * dilationWidth;
  // Stride 1 is a plain slice, which wasm copies as rows (its StridedSlice goes element by element).
  if (strideHeight === 1 && strideWidth === 1) return tf.slice(xPadded, [0, top, left, 0], [batchSize, outHeight, outWidth, inChannels]);
  return tf.stridedSlice(
    xPadded,
    [0, top, left, 0],
    [batchSize, top + (outHeight - 1) * strideHeight + 1, left + (outWidth - 1) * strideWidth + 1, inChannels],
    [1, strideHeight, strideWidth, 1],
  ) as tf.Tensor4D;
}

/** Pad as the forward conv did, and at least as far as the last window reads. */
function padForConv(x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { top, bottom, left, right } = info.padInfo;
  const needH = (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight;
  const needW = (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth;
  const extraBottom = Math.max(0, needH - (x.shape[1] + top + bottom));
  const extraRight = Math.max(0, needW - (x.shape[2] + left + right));
  return tf.pad(x, [
    [0, 0],
    [top, bottom + extraBottom],
    [left, right + extraRight],
    [0, 0],
  ]);
}

/** Patch matrices up to this many floats (32 MB) are built whole. */
const PATCH_MATRIX_LIMIT = 2 ** 23;

/** The im2col matrix [B·OH·OW, kH·kW·C], columns in the filter's (kh, kw, c) order. */
function patchMatrix(xPadded: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor2D {
  const { batchSize: b, outHeight: oh, outWidth: ow, inChannels: c, filterHeight: kH, filterWidth: kW } = info;
  const n = b * oh * ow;
  const disjoint = info.strideHeight === kH && info.strideWidth === kW && info.dilationHeight === 1 && info.dilationWidth === 1;
  if (disjoint) {
    const cropped = tf.slice(xPadded, [0, 0, 0, 0], [b, oh * kH, ow * kW, c]);
    // [B, OH, kH, OW, kW, C] -> [B, OH, OW, kH, kW, C]
    const grouped = tf.transpose(tf.reshape(cropped, [b, oh, kH, ow, kW, c]), [0, 1, 3, 2, 4, 5]);
    return tf.reshape(grouped, [n, kH * kW * c]);
  }
  const taps: tf.Tensor[] = [];
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) taps.push(tf.reshape(tapInputs(xPadded, info, kh, kw), [n, c]));
  }
  return tf.concat(taps, 1) as tf.Tensor2D;
}

function filterGrad(depthwise: boolean): KernelFunc {
  return ({ inputs, attrs }) => {
    const a = attrs as unknown as FilterGradAttrs;
    const x = asTensor(inputs.x!) as tf.Tensor4D;
    const dy = asTensor(inputs.dy!) as tf.Tensor4D;
    return tf.tidy(() => {
      const info = tf.backend_util.computeConv2DInfo(
        x.shape,
        a.filterShape,
        a.strides,
        a.dilations ?? 1,
        a.pad,
        a.dimRoundingMode,
        depthwise,
      );
      const [kH, kW, cIn, mult] = a.filterShape;
      const n = info.batchSize * info.outHeight * info.outWidth;
      const xPadded = padForConv(x, info);
      if (!depthwise && n * kH * kW * cIn <= PATCH_MATRIX_LIMIT) {
        const dw = tf.matMul(patchMatrix(xPadded, info), tf.reshape(dy, [n, dy.shape[3]]), true, false);
        return tf.reshape(dw, a.filterShape);
      }
      const taps: tf.Tensor[] = [];
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          // one tap at a time, so only one slice of the input is alive
          taps.push(
            tf.tidy(() => {
              const seen = tapInputs(xPadded, info, kh, kw);
              return depthwise
                ? tf.sum(tf.mul(tf.reshape(seen, [n, cIn, 1]), tf.reshape(dy, [n, cIn, mult])), 0)
                : tf.matMul(tf.reshape(seen, [n, cIn]), tf.reshape(dy, [n, dy.shape[3]]), true, false);
            }),
          );
        }
      }
      return tf.reshape(tf.stack(taps), a.filterShape);
    });
  };
}

export const conv2DBackpropFilter = filterGrad(false);
export const depthwiseConv2dNativeBackpropFilter = filterGrad(true);
