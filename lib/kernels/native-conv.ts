/**
 * wasm's Conv2D and Conv2DBackpropFilter on the native GEMM (im2col tiles + OpenBLAS sgemm on the wasm heap, see
 * native/blas.c): XNNPACK's convolution in tfjs-backend-wasm runs on one thread and wasm has no filter gradient
 * (conv-filter-grad.ts composes one); the native ones run on every core. NHWC float32 only; anything else goes to
 * the fallback kernel. Conv2DBackpropInput (conv-input-grad.ts) is a Conv2D, so it runs here too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeBlas } from './native-blas.js';
import { heap, heapOffset, type WasmBackend } from './wasm-heap.js';

type Shape4 = [number, number, number, number];

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The conv's sizes in the addon's argument order (batch .. padLeft). */
function sizes(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth,
    info.outChannels, info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, info.dilationHeight,
    info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ];
}

/** The conv's geometry, or undefined when the native kernels cannot take it. */
function plan(x: TensorInfo, other: TensorInfo, filterShape: Shape4, a: ConvAttrs): tf.backend_util.Conv2DInfo | undefined {
  if ((a.dataFormat ?? 'NHWC') !== 'NHWC' || x.dtype !== 'float32' || other.dtype !== 'float32') return undefined;
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode);
  const empty = [x.shape, info.outShape, filterShape].some((shape) => tf.util.sizeFromShape(shape) === 0);
  return empty ? undefined : info;
}

export function nativeConv2D(blas: NativeBlas, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as Record<string, TensorInfo>;
    const info = plan(x, filter, filter.shape as Shape4, args.attrs as unknown as ConvAttrs);
    if (!info) return fallback(args);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(info.outShape, 'float32');
    const at = (t: TensorInfo) => heapOffset(backend, t);
    blas.conv2d(heap(backend), ...sizes(info), at(x), at(filter), at(out));
    return out;
  };
}

export function nativeConv2DBackpropFilter(blas: NativeBlas, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    const info = plan(x, dy, attrs.filterShape, attrs);
    if (!info) return fallback(args);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(attrs.filterShape, 'float32');
    const at = (t: TensorInfo) => heapOffset(backend, t);
    blas.conv2dFilterGrad(heap(backend), ...sizes(info), at(x), at(dy), at(out));
    return out;
  };
}
