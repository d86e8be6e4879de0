/**
 * The tensor record every reader returns and every writer takes: PyTorch layout, row-major (contiguous), with the
 * elements widened to what TF.js holds (float32, int32, uint8).
 */

/** Element types as safetensors names them; torch storages map onto the same names. */
export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** In-memory elements: floats as Float32Array, integers as Int32Array, U8 and BOOL as Uint8Array. */
export type TensorData = Float32Array | Int32Array | Uint8Array;

export interface TensorRecord {
  /** Element type in the file (F16 data is here as a Float32Array, I64 as an Int32Array). */
  dtype: Dtype;
  /** PyTorch shape; `[]` for a scalar. */
  shape: number[];
  data: TensorData;
}

/** Number of elements of a tensor of `shape` (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function isTensorRecord(value: unknown): value is TensorRecord {
  if (typeof value !== 'object' || value === null) return false;
  const { dtype, shape, data } = value as Partial<TensorRecord>;
  return typeof dtype === 'string' && Array.isArray(shape) && ArrayBuffer.isView(data);
}
