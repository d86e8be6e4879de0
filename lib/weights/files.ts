/** File access for the weights readers and writers: whole-file reads and crash-safe writes. */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Bytes to parse and the name that error messages use for them. */
export interface Source {
  bytes: Uint8Array;
  name: string;
}

/** Read `source` when it is a path; bytes pass through, named `name`. */
export function readSource(source: string | Uint8Array, name = 'in-memory bytes'): Source {
  if (typeof source !== 'string') return { bytes: source, name };
  const buffer = readFileSync(source);
  // A plain Uint8Array view: Buffer's slice() shares memory where Uint8Array's copies.
  return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), name: source };
}

/** Write `chunks` to `path + '.tmp'`, flush it to disk, then rename it over `path`: a crash leaves no half file. */
export function writeAtomic(path: string, chunks: readonly Uint8Array[]): void {
  const tmp = `${path}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const chunk of chunks) writeFully(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function writeFully(fd: number, chunk: Uint8Array): void {
  for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
}
