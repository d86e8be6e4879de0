/**
 * Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter (the weight gradients of every conv, which wasm
 * lacks), composed from kernels wasm has: per filter tap, a strided slice of the padded input, then a matmul
 * (dense) or a multiply-sum (depthwise). Same FLOPs as a direct kernel, at wasm speed.
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
