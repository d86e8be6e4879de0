/** File access for the weights readers: whole-file reads, named for error messages. */
import { readFileSync } from 'node:fs';

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
