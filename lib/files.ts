/** Crash-safe file writes, shared by the weights, checkpoint, dataset-cache and PNG writers. */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write `data` (bytes, or chunks in order) to `path` so that neither a reader nor a crash ever sees half a file:
 * the parent folder is created, the bytes go to a uniquely named temporary file beside `path` and are flushed to
 * disk, then that file is renamed over `path`. On error the temporary file is removed and `path` is left as it was.
 */
export function writeAtomic(path: string, data: Uint8Array | readonly Uint8Array[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFlushed(temp, data instanceof Uint8Array ? [data] : data);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Write `chunks` to the file `path` and flush it to disk. */
function writeFlushed(path: string, chunks: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const chunk of chunks) {
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
