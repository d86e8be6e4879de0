/** The n-d arrays medical files hold (NumPy .npy/.npz, HDF5 datasets, NIfTI volumes), as plain typed arrays. */

export type NdData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** A C-order (row-major) n-d array: shape[0] is the slowest axis. */
export interface NdArray {
  data: NdData;
  shape: number[];
}

/** The number of elements of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
