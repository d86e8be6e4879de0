/**
 * NumPy's .npy format (versions 1.0 to 3.0): parsed into C-order typed arrays, byte-swapped from big-endian and
 * transposed from Fortran order where needed; written as version 1.0, little-endian, C order.
 */
import { DataFileError } from '../errors.js';
import { sizeOf, type NdArray, type NdData } from './ndarray.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = (view: DataView, offset: number, littleEndian: boolean) => number;

/** dtype kind+size -> element size, how to read one, and the array to hold it. */
const DTYPES: Record<string, { size: number; read: Reader; make: (n: number) => NdData }> = {
  f4: { size: 4, read: (v, o, le) => v.getFloat32(o, le), make: (n) => new Float32Array(n) },
  f8: { size: 8, read: (v, o, le) => v.getFloat64(o, le), make: (n) => new Float64Array(n) },
  i1: { size: 1, read: (v, o) => v.getInt8(o), make: (n) => new Int8Array(n) },
  u1: { size: 1, read: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  b1: { size: 1, read: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  i2: { size: 2, read: (v, o, le) => v.getInt16(o, le), make: (n) => new Int16Array(n) },
  u2: { size: 2, read: (v, o, le) => v.getUint16(o, le), make: (n) => new Uint16Array(n) },
  i4: { size: 4, read: (v, o, le) => v.getInt32(o, le), make: (n) => new Int32Array(n) },
  u4: { size: 4, read: (v, o, le) => v.getUint32(o, le), make: (n) => new Uint32Array(n) },
  i8: { size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)), make: (n) => new Int32Array(n) },
  u8: { size: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)), make: (n) => new Int32Array(n) },
};

/** The header dict's fields. */
function parseHeader(bytes: Uint8Array, source: string): { descr: string; fortran: boolean; shape: number[]; start: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataFileError(source, 'is not a .npy array');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + length;
  const header = new TextDecoder().decode(bytes.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) {
    throw new DataFileError(source, `unreadable .npy header ${JSON.stringify(header.trim())}`);
  }
  const dims = shape.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  return { descr, fortran: fortran === 'True', shape: dims, start };
}

/** `data` of Fortran-order `shape` in C order. */
function toCOrder(data: NdData, shape: number[]): NdData {
  const out = data.slice();
  const n = shape.length;
  const fortranStrides = shape.map((_, k) => shape.slice(0, k).reduce((a, b) => a * b, 1));
  const index = new Array<number>(n).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = 0; k < n; k++) f += index[k]! * fortranStrides[k]!;
    out[c] = data[f]!;
    for (let k = n - 1; k >= 0 && ++index[k]! === shape[k]; k--) index[k] = 0;
  }
  return out;
}

/** The array in the bytes of a .npy file; `source` names it in errors. */
export function parseNpy(bytes: Uint8Array, source: string): NdArray {
  const { descr, fortran, shape, start } = parseHeader(bytes, source);
  const order = descr[0];
  const dtype = DTYPES[descr.slice(1)];
  if (dtype === undefined || !'<>|='.includes(order ?? '')) {
    throw new DataFileError(source, `dtype '${descr}' is not supported (float, int, uint and bool arrays are)`);
  }
  const n = sizeOf(shape);
  if (bytes.length - start < n * dtype.size) {
    throw new DataFileError(source, `truncated: [${shape.join(', ')}] ${descr} needs ${n * dtype.size} bytes, ${bytes.length - start} are left`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, n * dtype.size);
  const data = dtype.make(n);
  for (let i = 0; i < n; i++) {
    const v = dtype.read(view, i * dtype.size, order !== '>');
    if (dtype.size === 8 && descr[1] !== 'f' && !(Math.abs(v) <= 2 ** 31 - 1)) {
      throw new DataFileError(source, `${descr} value ${v} does not fit 32 bits`);
    }
    data[i] = v;
  }
  return { data: fortran && shape.length > 1 ? toCOrder(data, shape) : data, shape };
}

const DESCR = new Map<string, string>([
  ['Float32Array', '<f4'], ['Float64Array', '<f8'], ['Int8Array', '|i1'], ['Uint8Array', '|u1'],
  ['Int16Array', '<i2'], ['Uint16Array', '<u2'], ['Int32Array', '<i4'], ['Uint32Array', '<u4'],
]);

/** The bytes of a .npy file holding `a` (version 1.0, little-endian, C order, header padded to 64 bytes as NumPy). */
export function encodeNpy(a: NdArray): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${DESCR.get(a.data.constructor.name)}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + a.data.byteLength);
  out.set(MAGIC);
  out.set([1, 0, header.length & 0xff, header.length >> 8], 6);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), 10 + header.length);
  return out;
}
