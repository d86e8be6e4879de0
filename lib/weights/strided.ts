/** Strided views of flat typed arrays: materialising a view (torch storage + strides) and permuting axes. */
import { numel, type TensorData } from './record.js';

/** Row-major strides, in elements, of a contiguous tensor of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = step;
    step *= shape[axis];
  }
  return strides;
}

/**
 * Copy the view of `source` that starts at element `offset` and steps `strides[axis]` elements along each axis into a
 * new contiguous row-major array of the same type (as `torch.as_strided(...).contiguous()`).
 */
export function gatherStrided<T extends TensorData>(
  source: T,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): T {
  const out = new (source.constructor as new (length: number) => T)(numel(shape));
  if (out.length === 0) return out;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = source[offset];
    return out;
  }
  const rowLength = shape[rank - 1];
  const rowStride = strides[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let start = offset;
  for (let o = 0; o < out.length; o += rowLength) {
    for (let j = 0; j < rowLength; j++) out[o + j] = source[start + j * rowStride];
    start = nextRowStart(index, shape, strides, start);
  }
  return out;
}

/** Advance the outer-axes odometer `index` by one row; return the source position of that row's first element. */
function nextRowStart(index: number[], shape: readonly number[], strides: readonly number[], start: number): number {
  for (let axis = index.length - 1; axis >= 0; axis--) {
    index[axis]++;
    start += strides[axis];
    if (index[axis] < shape[axis]) return start;
    start -= strides[axis] * shape[axis];
    index[axis] = 0;
  }
  return start;
}

/** Reorder axes: output axis i is input axis `perm[i]` (as `tf.transpose` / `torch.permute`). Always a new array. */
export function permute<T extends TensorData>(
  data: T,
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; data: T } {
  if (perm.length !== shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`permutation [${perm}] does not fit shape [${shape}]`);
  }
  if (data.length !== numel(shape)) throw new Error(`${data.length} elements do not fill shape [${shape}]`);
  const strides = contiguousStrides(shape);
  return {
    shape: perm.map((p) => shape[p]),
    data: gatherStrided(data, 0, perm.map((p) => shape[p]), perm.map((p) => strides[p])),
  };
}
