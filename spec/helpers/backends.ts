/** Run the same computation on several backends. */
import * as tf from '@tensorflow/tfjs-core';
import { loadAllBackends } from '../../lib/backend.js';
import { useNativeGemm } from '../../lib/kernels/index.js';

/**
 * Run `fn` with `backend` active, then restore the previous backend. Results are read out as plain arrays.
 * `wasm-plain` is wasm with its matmuls on wasm's own GEMM instead of the native one (the path of a machine where
 * the native GEMM is not built).
 */
export async function onBackend<T>(backend: string, fn: () => T | Promise<T>): Promise<T> {
  await loadAllBackends();
  const previous = tf.getBackend();
  const plain = backend === 'wasm-plain';
  await tf.setBackend(plain ? 'wasm' : backend);
  if (plain) useNativeGemm(false);
  try {
    return await fn();
  } finally {
    if (plain) useNativeGemm(true);
    await tf.setBackend(previous);
  }
}

/** Max |a - b| over two equally shaped arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Max |a| over an array. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
