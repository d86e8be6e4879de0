/** NumPy's .npz files: a zip of .npy arrays (stored or deflated), read and written with fflate. */
import { readFileSync, writeFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { DataFileError, systemReason } from '../errors.js';
import type { NdArray } from './ndarray.js';
import { encodeNpy, parseNpy } from './npy.js';

/** The arrays of the .npz file `path`, by name (without `.npy`). */
export function readNpz(path: string): Record<string, NdArray> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataFileError(path, systemReason(err));
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new DataFileError(path, `is not a readable .npz (zip) file: ${(err as Error).message}`);
  }
  return Object.fromEntries(
    Object.entries(entries).map(([name, npy]) => [name.replace(/\.npy$/, ''), parseNpy(npy, `${path}:${name}`)]),
  );
}

/** Write `arrays` as the .npz file `path` (deflated unless `compress` is false, as np.savez_compressed / np.savez). */
export function writeNpz(path: string, arrays: Record<string, NdArray>, compress = true): void {
  const files = Object.fromEntries(Object.entries(arrays).map(([name, a]) => [`${name}.npy`, encodeNpy(a)]));
  writeFileSync(path, zipSync(files, { level: compress ? 6 : 0 }));
}

/** `arrays` (of file `path`) once it holds every one of `keys`; else an error naming the file and its keys. */
export function requireKeys(
  path: string,
  arrays: Record<string, NdArray>,
  keys: readonly string[],
  what: string,
): Record<string, NdArray> {
  const missing = keys.filter((k) => !(k in arrays));
  if (missing.length > 0) {
    const has = Object.keys(arrays).join(', ') || 'nothing';
    throw new DataFileError(path, `has no ${missing.map((k) => `'${k}'`).join(' or ')} (it has: ${has}); ${what} needs ${keys.join(' and ')}`);
  }
  return arrays;
}
