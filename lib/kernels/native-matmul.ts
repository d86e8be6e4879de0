/**
 * wasm's BatchMatMul and _FusedMatMul on the native GEMM (OpenBLAS sgemm on the wasm heap, see native-blas.ts):
 * transposes, batch broadcasting of a single matrix, a [N] bias and the fused activations are handled natively;
 * anything else (PReLU, general broadcasting, other dtypes, empty tensors) goes to the fallback kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeBlas } from './native-blas.js';
import { heap, heapOffset, type WasmBackend } from './wasm-heap.js';

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, sigmoid: 4, elu: 5 };

interface Product {
  batch: number;
  m: number;
  n: number;
  k: number;
  aStride: number;
  bStride: number;
  outShape: number[];
}

/** Shapes of op(A)·op(B) with batch broadcasting, or undefined when the native kernel cannot take them. */
function plan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Product | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const [kb, n] = transposeB ? [bc, br] : [br, bc];
  if (k !== kb || m === 0 || n === 0 || k === 0) return undefined;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = tf.util.sizeFromShape(outer);
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  // One matrix broadcast over the batch, or equal batches; [2,1]x[1,3]-style broadcasting is left to the fallback.
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1) || batch === 0) return undefined;
  return {
    batch, m, n, k,
    aStride: batchA === 1 ? 0 : m * k,
    bStride: batchB === 1 ? 0 : k * n,
    outShape: [...outer, m, n],
  };
}

export function nativeMatMul(blas: NativeBlas, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const attrs = args.attrs as NamedAttrMap & { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    const p = plan(a!, b!, attrs.transposeA, attrs.transposeB);
    const activation = ACTIVATIONS[attrs.activation ?? 'linear'];
    const plainBias = !bias || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === p?.n && bias.shape.at(-1) === p.n);
    if (!p || preluActivationWeights || activation === undefined || !plainBias) return fallback(args);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(p.outShape, 'float32');
    blas.sgemmBatched(
      heap(backend), p.batch, p.m, p.n, p.k, Number(attrs.transposeA), Number(attrs.transposeB),
      heapOffset(backend, a!), p.aStride, heapOffset(backend, b!), p.bStride, heapOffset(backend, out), p.m * p.n,
      bias ? heapOffset(backend, bias) : -1, activation, attrs.leakyreluAlpha ?? 0.2,
    );
    return out;
  };
}
