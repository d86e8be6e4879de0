/**
 * NIfTI-1/2 volumes (.nii, .nii.gz) read with nifti-reader-js, and label volumes written back on a source's grid.
 *
 * Axis order: the data stays in NIfTI's storage order (x fastest), so a volume is a C-order array of shape
 * [Z, Y, X] (numpy's nibabel array transposed), with `spacing` [dz, dy, dx] in mm in the same order. `affine` keeps
 * NIfTI's convention, voxel (i = x, j = y, k = z, 1) -> world (mm): the sform when sform_code > 0, else the qform
 * when qform_code > 0, else the voxel sizes (nibabel's get_best_affine).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { writeAtomic } from '../../lib/files.js';
import { DataFileError, systemReason } from '../errors.js';
import { sizeOf, type NdArray, type NdData } from './ndarray.js';

export interface Volume extends NdArray {
  /** Voxel size in mm per axis of `shape` ([dz, dy, dx]). */
  spacing: number[];
  /** 4×4 voxel (x, y, z) -> world (mm). */
  affine: number[][];
  /** The source's 348-byte NIfTI-1 header (empty for NIfTI-2), kept to write volumes on the same grid. */
  header: Uint8Array;
  datatype: string;
}

/** NIfTI datatype code -> name, bytes per voxel and the array holding it; codes without `make` are not supported. */
const DATATYPES: Record<number, { name: string; size: number; make?: (n: number) => NdData; get?: (v: DataView, o: number, le: boolean) => number }> = {
  2: { name: 'uint8', size: 1, make: (n) => new Uint8Array(n), get: (v, o) => v.getUint8(o) },
  4: { name: 'int16', size: 2, make: (n) => new Int16Array(n), get: (v, o, le) => v.getInt16(o, le) },
  8: { name: 'int32', size: 4, make: (n) => new Int32Array(n), get: (v, o, le) => v.getInt32(o, le) },
  16: { name: 'float32', size: 4, make: (n) => new Float32Array(n), get: (v, o, le) => v.getFloat32(o, le) },
  64: { name: 'float64', size: 8, make: (n) => new Float64Array(n), get: (v, o, le) => v.getFloat64(o, le) },
  256: { name: 'int8', size: 1, make: (n) => new Int8Array(n), get: (v, o) => v.getInt8(o) },
  512: { name: 'uint16', size: 2, make: (n) => new Uint16Array(n), get: (v, o, le) => v.getUint16(o, le) },
  768: { name: 'uint32', size: 4, make: (n) => new Uint32Array(n), get: (v, o, le) => v.getUint32(o, le) },
  1: { name: 'binary', size: 0 },
  32: { name: 'complex64', size: 8 },
  128: { name: 'rgb24', size: 3 },
  1024: { name: 'int64', size: 8 },
  1280: { name: 'uint64', size: 8 },
  1536: { name: 'float128', size: 16 },
  1792: { name: 'complex128', size: 16 },
  2048: { name: 'complex256', size: 32 },
  2304: { name: 'rgba32', size: 4 },
};

/** The bytes of `path`, gunzipped when compressed. */
function fileBytes(path: string): ArrayBuffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new DataFileError(path, systemReason(err));
  }
  const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  if (!nifti.isCompressed(buffer)) return buffer;
  try {
    return nifti.decompress(buffer) as ArrayBuffer;
  } catch (err) {
    throw new DataFileError(path, `truncated or corrupt gzip data (${(err as Error).message})`);
  }
}

/** The voxels of `bytes` as stored, scl_slope / scl_inter applied (then float32). */
function voxels(path: string, bytes: ArrayBuffer, h: nifti.NIFTI1 | nifti.NIFTI2, n: number): { data: NdData; datatype: string } {
  const type = DATATYPES[h.datatypeCode];
  if (type?.make === undefined) {
    const name = type ? `${type.name} (datatype ${h.datatypeCode})` : `datatype ${h.datatypeCode}`;
    throw new DataFileError(path, `${name} is not supported; segvit reads int8/16/32, uint8/16/32, float32 and float64 volumes`);
  }
  const offset = Math.round(h.vox_offset);
  if (bytes.byteLength < offset + n * type.size) {
    throw new DataFileError(path, `truncated: ${n} ${type.name} voxels need ${offset + n * type.size} bytes, the file has ${bytes.byteLength}`);
  }
  let data = type.make(n);
  if (h.littleEndian && offset % type.size === 0) data.set(new (data.constructor as new (b: ArrayBuffer, o: number, l: number) => NdData)(bytes, offset, n));
  else {
    const view = new DataView(bytes, offset, n * type.size);
    for (let i = 0; i < n; i++) data[i] = type.get!(view, i * type.size, h.littleEndian);
  }
  const [slope, inter] = [h.scl_slope, h.scl_inter];
  if (Number.isFinite(slope) && slope !== 0 && !(slope === 1 && (inter === 0 || !Number.isFinite(inter)))) {
    const scaled = new Float32Array(n);
    for (let i = 0; i < n; i++) scaled[i] = data[i]! * slope + (Number.isFinite(inter) ? inter : 0);
    data = scaled;
  }
  return { data, datatype: type.name };
}

function bestAffine(h: nifti.NIFTI1 | nifti.NIFTI2): number[][] {
  if (h.sform_code > 0) return h.affine.map((row) => [...row]);
  if (h.qform_code > 0) return h.getQformMat().map((row) => [...row]);
  const [, dx = 1, dy = 1, dz = 1] = h.pixDims;
  return [[dx, 0, 0, 0], [0, dy, 0, 0], [0, 0, dz, 0], [0, 0, 0, 1]];
}

/** Read the NIfTI volume `path`. */
export async function readNifti(path: string): Promise<Volume> {
  const bytes = fileBytes(path);
  if (!nifti.isNIFTI(bytes)) throw new DataFileError(path, 'is not a NIfTI-1 or NIfTI-2 file');
  const h = nifti.readHeader(bytes);
  const ndim = h.dims[0]!;
  let dims = h.dims.slice(1, ndim + 1);
  while (dims.length > 3 && dims[dims.length - 1] === 1) dims = dims.slice(0, -1);
  const shape = [...dims].reverse();
  const { data, datatype } = voxels(path, bytes, h, sizeOf(shape));
  const spacing = h.pixDims.slice(1, dims.length + 1).map(Math.abs).reverse();
  const header = h instanceof nifti.NIFTI1 ? new Uint8Array(bytes.slice(0, 348)) : new Uint8Array(0);
  return { data, shape, spacing, affine: bestAffine(h), header, datatype };
}

const WRITABLE = new Map<string, [code: number, bits: number]>([
  ['Uint8Array', [2, 8]], ['Int16Array', [4, 16]], ['Int32Array', [8, 32]], ['Float32Array', [16, 32]],
  ['Float64Array', [64, 64]], ['Int8Array', [256, 8]], ['Uint16Array', [512, 16]], ['Uint32Array', [768, 32]],
]);

/**
 * Write `v` ([Z, Y, X], the grid of `like`) as the .nii.gz `path` with `like`'s header: its affine, spacing and
 * orientation, the datatype of `v`, no intensity scaling. With `affine` (voxel -> world of `v`'s own grid, same voxel
 * size: a crop or a flip of `like`), `v` may have another shape; the affine is written as the sform, the qform dropped.
 */
export async function writeNifti(path: string, v: NdArray, like: Volume, affine?: number[][]): Promise<void> {
  if (like.header.length !== 348) throw new Error(`writeNifti: ${path}: the template volume is not NIfTI-1`);
  if (affine === undefined && v.shape.join() !== like.shape.join()) {
    throw new Error(`writeNifti: ${path}: data is [${v.shape.join(', ')}] but the template volume is [${like.shape.join(', ')}]`);
  }
  const [code, bits] = WRITABLE.get(v.data.constructor.name)!;
  const header = like.header.slice();
  const view = new DataView(header.buffer);
  const le = view.getInt32(0, true) === 348;
  const dims = [...v.shape].reverse();
  view.setInt16(40, dims.length, le);
  for (let i = 0; i < 7; i++) view.setInt16(42 + 2 * i, dims[i] ?? 1, le);
  view.setInt16(70, code, le);
  view.setInt16(72, bits, le);
  view.setFloat32(108, 352, le); // vox_offset
  view.setFloat32(112, 1, le); // scl_slope
  view.setFloat32(116, 0, le); // scl_inter
  if (affine !== undefined) {
    view.setInt16(252, 0, le); // qform_code: the sform alone says where the voxels are
    view.setInt16(254, Math.max(1, view.getInt16(254, le)), le); // sform_code
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) view.setFloat32(280 + 16 * r + 4 * c, affine[r]![c]!, le);
  }
  const body = new Uint8Array(v.data.byteLength);
  const out = new DataView(body.buffer);
  const size = bits / 8;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (code === 16) out.setFloat32(i * size, x, le);
    else if (code === 64) out.setFloat64(i * size, x, le);
    else if (size === 1) out.setUint8(i, x & 0xff);
    else if (size === 2) out.setUint16(i * size, x & 0xffff, le);
    else out.setUint32(i * size, x >>> 0, le);
  }
  const file = new Uint8Array(352 + body.length);
  file.set(header);
  file.set(body, 352);
  writeAtomic(path, gzipSync(file)); // the folder created; never half a file
}
