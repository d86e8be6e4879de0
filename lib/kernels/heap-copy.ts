/**
 * Data-movement kernels for wasm that copy in place on its heap (memmove through `copyWithin`):
 * - Transpose: dims that stay together are merged first; what is then rank ≤ 4 goes to wasm's own (fast) kernel,
 *   higher ranks are copied as contiguous rows. wasm's rank ≥ 5 path moves one element at a time (a window-attention
 *   transpose [361,49,3,3,32] took 459 ms, the same bytes as rows 11 ms).
 * - Slice, and Unpack / SplitV built on it: wasm's Slice first copies the WHOLE input out of the heap (`readSync`),
 *   on every call; here only the sliced rows move.
 * - GatherV2, as runs of the inner axes.
 * Outputs are bit-identical to wasm's kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BYTES_PER_ELEMENT, heap, heapOffset, type WasmBackend } from './wasm-heap.js';

/**
 * Copy a strided block: for every index of `counts` (outer dims, row-major), `rowBytes` bytes from
 * src + Σ index·srcStrides to the next place in dst. Strides are in bytes.
 */
function copyRows(
  bytes: Uint8Array,
  src: number,
  dst: number,
  counts: number[],
  srcStrides: number[],
  rowBytes: number,
): void {
  const rank = counts.length;
  if (rank === 0) {
    bytes.copyWithin(dst, src, src + rowBytes);
    return;
  }
  const index = new Array<number>(rank).fill(0);
  const rows = tf.util.sizeFromShape(counts);
  const last = rank - 1;
  const lastCount = counts[last];
  const lastStride = srcStrides[last];
  let from = src;
  for (let row = 0; row < rows; row += lastCount) {
    for (let i = 0, s = from; i < lastCount; i++, s += lastStride, dst += rowBytes) {
      bytes.copyWithin(dst, s, s + rowBytes);
    }
    // Odometer over the outer dims (all but the last).
    let d = last - 1;
    for (; d >= 0; d--) {
      from += srcStrides[d];
      if (++index[d] < counts[d]) break;
      from -= srcStrides[d] * counts[d];
      index[d] = 0;
    }
    if (d < 0) break;
  }
}

function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Drop size-1 dims and merge input dims that stay adjacent and in order under `perm`. */
export function simplifyPermutation(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  // Runs of consecutive input axes in output order become one axis.
  const runs: number[][] = [];
  for (const axis of kept) {
    const run = runs.at(-1);
    if (run && run.at(-1)! + 1 === axis) run.push(axis);
    else runs.push([axis]);
  }
  const order = runs.map((run) => run[0]).sort((a, b) => a - b);
  return {
    shape: order.map((first) => runs.find((r) => r[0] === first)!.reduce((p, axis) => p * shape[axis], 1)),
    perm: runs.map((run) => order.indexOf(run[0])),
  };
}

export function heapTranspose(wasmTranspose: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const perm = (attrs as unknown as { perm: number[] }).perm;
    const outShape = perm.map((axis) => x.shape[axis]);
    const simple = simplifyPermutation(x.shape, perm);
    const wasm = backend as WasmBackend;
    const width = BYTES_PER_ELEMENT[x.dtype];
    const rank = simple.perm.length;
    if (width === undefined || rank < 5 || simple.perm[rank - 1] !== rank - 1) {
      const out = wasmTranspose({ inputs: { x: { ...x, shape: simple.shape } }, attrs: { perm: simple.perm }, backend }) as TensorInfo;
      return { ...out, shape: outShape };
    }
    // The last axis stays last: copy rows of it, walking the output in order.
    const out = wasm.makeOutput(outShape, x.dtype);
    const inStrides = stridesOf(simple.shape);
    const outer = simple.perm.slice(0, -1);
    copyRows(
      heap(wasm),
      heapOffset(wasm, x),
      heapOffset(wasm, out),
      outer.map((axis) => simple.shape[axis]),
      outer.map((axis) => inStrides[axis] * width),
      simple.shape[rank - 1] * width,
    );
    return out;
  };
}

/** x[begin : begin + size] as rows of the innermost contiguous run; `begin`/`size` already parsed. */
function sliceOnHeap(wasm: WasmBackend, x: TensorInfo, begin: number[], size: number[], wasmSlice: KernelFunc): TensorInfo {
  const width = BYTES_PER_ELEMENT[x.dtype];
  if (width === undefined) return wasmSlice({ inputs: { x }, attrs: { begin, size }, backend: wasm }) as TensorInfo;
  const out = wasm.makeOutput(size, x.dtype);
  if (size.some((s) => s === 0)) return out;
  const strides = stridesOf(x.shape);
  // Innermost dims taken whole join the row; the first partial one (from the end) closes it.
  let d = x.shape.length - 1;
  while (d > 0 && size[d] === x.shape[d]) d--;
  const rowElements = size[d] * strides[d];
  const start = begin.reduce((sum, b, i) => sum + b * strides[i], 0);
  copyRows(
    heap(wasm),
    heapOffset(wasm, x) + start * width,
    heapOffset(wasm, out),
    size.slice(0, d),
    strides.slice(0, d).map((s) => s * width),
    rowElements * width,
  );
  return out;
}

export function heapSlice(wasmSlice: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const { begin, size } = attrs as unknown as { begin: number[]; size: number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
    return sliceOnHeap(backend as WasmBackend, x, b, s, wasmSlice);
  };
}

export function heapUnpack(wasmSlice: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const value = inputs.value as TensorInfo;
    const rank = value.shape.length;
    const axis = ((attrs as unknown as { axis: number }).axis + rank) % rank;
    const size = value.shape.slice();
    size[axis] = 1;
    const outShape = value.shape.filter((_, i) => i !== axis);
    return Array.from({ length: value.shape[axis] }, (_, i) => {
      const begin = value.shape.map((_, j) => (j === axis ? i : 0));
      const out = sliceOnHeap(backend as WasmBackend, value, begin, size, wasmSlice);
      return { ...out, shape: outShape };
    });
  };
}

export function heapSplitV(wasmSlice: KernelFunc): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const dim = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, dim);
    let offset = 0;
    return sizes.map((s) => {
      const begin = x.shape.map((_, j) => (j === dim ? offset : 0));
      const size = x.shape.map((n, j) => (j === dim ? s : n));
      offset += s;
      return sliceOnHeap(backend as WasmBackend, x, begin, size, wasmSlice);
    });
  };
}

/**
 * GatherV2 (batchDims 0) as block copies: for every outer index and every gathered index, one contiguous run of the
 * inner axes. wasm's own kernel moves one element at a time (9 rows of 32768 floats: 9.4 ms).
 */
export function heapGather(wasmGather: KernelFunc): KernelFunc {
  return (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
    const width = BYTES_PER_ELEMENT[x.dtype];
    const dim = tf.util.parseAxisParam(axis, x.shape)[0];
    if (width === undefined || batchDims !== 0 || indices.dtype !== 'int32') return wasmGather(args);
    const wasm = args.backend as WasmBackend;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, dim));
    const inner = tf.util.sizeFromShape(x.shape.slice(dim + 1));
    const count = x.shape[dim];
    const out = wasm.makeOutput([...x.shape.slice(0, dim), ...indices.shape, ...x.shape.slice(dim + 1)], x.dtype);
    const bytes = heap(wasm);
    const ids = new Int32Array(bytes.buffer, heapOffset(wasm, indices), tf.util.sizeFromShape(indices.shape));
    const rowBytes = inner * width;
    const src = heapOffset(wasm, x);
    let dst = heapOffset(wasm, out);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        if (id < 0 || id >= count) {
          wasm.disposeData(out.dataId);
          throw new Error(`GatherV2: index ${id} is not in [0, ${count - 1}]`);
        }
        const from = src + (o * count + id) * rowBytes;
        bytes.copyWithin(dst, from, from + rowBytes);
        dst += rowBytes;
      }
    }
    return out;
  };
}
