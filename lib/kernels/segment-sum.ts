/**
 * UnsortedSegmentSum (the gradient of gather, e.g. of Swin's relative position bias) as one pass over the data.
 * wasm has no such kernel, and the cpu one builds a mask per segment (hundreds of ops per call).
 */
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

export const unsortedSegmentSum: KernelFunc = ({ inputs, attrs, backend }) => {
  const own = backend as KernelBackend;
  const x = inputs.x as TensorInfo;
  const ids = inputs.segmentIds as TensorInfo;
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const values = own.readSync(x.dataId) as Float32Array | Int32Array;
  const segments = own.readSync(ids.dataId) as Int32Array;
  // x: [n, ...inner]; segmentIds: [n]
  const inner = values.length / Math.max(segments.length, 1);
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s < 0 || s >= numSegments) continue; // as TF: out-of-range ids are dropped
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += values[src + j];
  }
  const shape = [numSegments, ...x.shape.slice(ids.shape.length)];
  return { dataId: own.write(out, shape, x.dtype), shape, dtype: x.dtype };
};
