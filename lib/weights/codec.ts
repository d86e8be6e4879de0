/**
 * Bytes <-> elements for each dtype, little-endian as safetensors and torch archives store them. Typed arrays use the
 * host's byte order, which is little-endian on every platform Node and browsers run on.
 */
import { decodeBfloat16, decodeFloat16 } from './float16.js';
import type { Dtype, TensorData } from './record.js';

export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_BYTES, value);
}

/** Decode `bytes` as elements of `dtype`; `context` (file and tensor) starts every error message. */
export function decodeElements(dtype: Dtype, bytes: Uint8Array, context: string): TensorData {
  if (bytes.length % DTYPE_BYTES[dtype] !== 0) {
    throw new Error(`${context}: ${bytes.length} bytes is not a whole number of ${dtype} elements`);
  }
  const buffer = alignedCopy(bytes);
  switch (dtype) {
    case 'F64': return Float32Array.from(new Float64Array(buffer));
    case 'F32': return new Float32Array(buffer);
    case 'F16': return decodeFloat16(new Uint16Array(buffer));
    case 'BF16': return decodeBfloat16(new Uint16Array(buffer));
    case 'I64': return int64ToInt32(new BigInt64Array(buffer), context);
    case 'I32': return new Int32Array(buffer);
    case 'I16': return Int32Array.from(new Int16Array(buffer));
    case 'I8': return Int32Array.from(new Int8Array(buffer));
    case 'U8':
    case 'BOOL': return new Uint8Array(buffer);
  }
}

/** The file bytes of `data` stored as `dtype`; only dtypes that hold `data` exactly are written. */
export function encodeElements(dtype: Dtype, data: TensorData, context: string): Uint8Array {
  switch (dtype) {
    case 'F32': return bytesOf(expectArray(data, Float32Array, dtype, context));
    case 'I32': return bytesOf(expectArray(data, Int32Array, dtype, context));
    case 'I64': return bytesOf(BigInt64Array.from(expectArray(data, Int32Array, dtype, context), BigInt));
    case 'U8':
    case 'BOOL': return bytesOf(expectArray(data, Uint8Array, dtype, context));
    default: throw new Error(`${context}: writing ${dtype} is not supported; use F32, I32, I64, U8 or BOOL`);
  }
}

/** A copy in a fresh ArrayBuffer, so typed-array views start at offset 0 (aligned). */
function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

function int64ToInt32(values: BigInt64Array, context: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new Error(`${context}: int64 value ${v} at flat index ${i} does not fit in int32 (TF.js has no int64)`);
    }
    out[i] = Number(v);
  }
  return out;
}

function expectArray<T extends TensorData>(
  data: TensorData,
  kind: new (length: number) => T,
  dtype: Dtype,
  context: string,
): T {
  if (data instanceof kind) return data;
  throw new Error(`${context}: dtype ${dtype} needs a ${kind.name}, got a ${data.constructor.name}`);
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
