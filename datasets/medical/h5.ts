/**
 * HDF5 files through h5wasm (libhdf5 compiled to WebAssembly; its Node build reads and writes real paths): the
 * top-level datasets of h5py files such as TransUNet's `caseXXXX.npy.h5` volumes, whole or one axis-0 slice at a time.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { Dataset as H5Dataset, File as H5File } from 'h5wasm';
import { DataFileError } from '../errors.js';
import type { NdArray, NdData } from './ndarray.js';

type H5 = typeof import('h5wasm');

let module: Promise<H5> | undefined;

/** h5wasm, loaded (about 0.2 s) the first time an HDF5 file is opened. */
function h5wasm(): Promise<H5> {
  module ??= import('h5wasm/node').then(async (m) => {
    await m.default.ready;
    return m.default as unknown as H5;
  });
  return module;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n

/** Whether `path` starts with the HDF5 superblock signature (at 0, or after a user block of 512, 1024, 2048 bytes). */
function isHdf5(path: string): boolean {
  const head = new Uint8Array(2056);
  const fd = openSync(path, 'r');
  const n = (() => {
    try {
      return readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  })();
  return [0, 512, 1024, 2048].some((at) => at + 8 <= n && SIGNATURE.every((b, i) => head[at + i] === b));
}

/** Run `fn` on the HDF5 file `path` opened in `mode`, closing it after. */
async function withFile<T>(path: string, mode: 'r' | 'w', fn: (file: H5File) => T): Promise<T> {
  if (mode === 'r' && !existsSync(path)) throw new DataFileError(path, 'no such file');
  // h5wasm opens anything without an error, then fails on first use: check the signature first
  if (mode === 'r' && !isHdf5(path)) throw new DataFileError(path, 'is not an HDF5 file (no HDF5 signature)');
  const h5 = await h5wasm();
  let file: H5File;
  try {
    file = new h5.File(path, mode);
  } catch (err) {
    throw new DataFileError(path, `is not a readable HDF5 file (${(err as Error).message})`);
  }
  try {
    return fn(file);
  } finally {
    file.close();
  }
}

/** The datasets `keys` of `file`, or an error naming the file and the keys it has. */
function datasets(file: H5File, path: string, keys: readonly string[]): Record<string, H5Dataset> {
  const has = file.keys();
  const missing = keys.filter((k) => !has.includes(k));
  if (missing.length > 0) {
    throw new DataFileError(
      path,
      `has no ${missing.map((k) => `'${k}'`).join(' or ')} (it has: ${has.join(', ') || 'nothing'}); a volume needs ${keys.join(' and ')}`,
    );
  }
  return Object.fromEntries(keys.map((k) => [k, file.get(k) as H5Dataset]));
}

function asArray(value: unknown, shape: number[], path: string, key: string): NdArray {
  if (!ArrayBuffer.isView(value) || value instanceof DataView || value instanceof BigInt64Array || value instanceof BigUint64Array) {
    throw new DataFileError(path, `'${key}' is not a numeric array`);
  }
  return { data: value as NdData, shape };
}

/** The shapes of datasets `keys` of `path`. */
export async function h5Shapes(path: string, keys: readonly string[]): Promise<Record<string, number[]>> {
  return withFile(path, 'r', (file) =>
    Object.fromEntries(Object.entries(datasets(file, path, keys)).map(([k, d]) => [k, d.shape ?? []])),
  );
}

/** The datasets `keys` of `path`, whole. */
export async function readH5(path: string, keys: readonly string[]): Promise<Record<string, NdArray>> {
  return withFile(path, 'r', (file) =>
    Object.fromEntries(Object.entries(datasets(file, path, keys)).map(([k, d]) => [k, asArray(d.value, d.shape ?? [], path, k)])),
  );
}

/** Slice `index` along axis 0 of dataset `key` of `path` ([D, H, W] -> [H, W]); the file must hold every one of `keys`. */
export async function readH5Slice(path: string, key: string, index: number, keys: readonly string[] = [key]): Promise<NdArray> {
  return withFile(path, 'r', (file) => {
    const d = datasets(file, path, keys)[key]!;
    const [depth = 0, ...rest] = d.shape ?? [];
    if (!(index >= 0 && index < depth)) throw new DataFileError(path, `'${key}' has ${depth} slices, no slice ${index}`);
    return asArray(d.slice([[index, index + 1]]), rest, path, key);
  });
}

/** Write `arrays` as gzip-compressed datasets of a new HDF5 file `path` (one chunk per axis-0 slice). */
export async function writeH5(path: string, arrays: Record<string, NdArray>): Promise<void> {
  await withFile(path, 'w', (file) => {
    for (const [name, a] of Object.entries(arrays)) {
      const chunks = a.shape.length > 1 ? [1, ...a.shape.slice(1)] : null;
      file.create_dataset({ name, data: a.data, shape: a.shape, chunks, compression: 'gzip' });
    }
  });
}
