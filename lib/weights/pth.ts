/**
 * PyTorch checkpoints as `torch.save` writes them since 1.6: a zip archive (entries stored, not compressed) holding
 * `<prefix>/data.pkl` (the pickled object) and `<prefix>/data/<key>` (the raw bytes of each storage).
 * Read with no Python.
 */
import { unzipSync } from 'fflate';
import { unpickleTorch } from './torch-pickle.js';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // "PK\3\4"
const PICKLE_PROTO = 0x80; // first byte of a legacy torch.save file (pickle protocol >= 2)

/**
 * Decode the bytes of a `torch.save` zip file (`file` names it in errors) and return the unpickled object: dicts as
 * Map, tuples and lists as arrays, tensors as contiguous torch-layout TensorRecords. `extractStateDict` in
 * checkpoint.ts flattens it to a state dict.
 */
export function readPth(bytes: Uint8Array, file = 'in-memory bytes'): unknown {
  const entries = unzipTorch(bytes, file);
  const prefix = archivePrefix(entries, file);
  if (decodeText(entries[`${prefix}/byteorder`]) === 'big') {
    throw new Error(`${file}: big-endian checkpoints are not supported`);
  }
  const record = (key: string): Uint8Array => {
    const bytes = entries[`${prefix}/data/${key}`];
    if (bytes !== undefined) return bytes;
    throw new Error(`${file}: storage data/${key} is missing from the archive — truncated or corrupt`);
  };
  try {
    return unpickleTorch(entries[`${prefix}/data.pkl`], record, file);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(file) ? message : `${file}: cannot unpickle data.pkl: ${message}`);
  }
}

/** True when `bytes` start like a zip archive (the new torch.save format). */
export function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

function unzipTorch(bytes: Uint8Array, file: string): Record<string, Uint8Array> {
  if (!isZip(bytes)) {
    if (bytes[0] === PICKLE_PROTO) {
      throw new Error(`${file} is a legacy (pre-1.6) torch.save file; ` +
        're-save it with torch.save(obj, path) in PyTorch >= 1.6 or convert to safetensors');
    }
    throw new Error(`${file}: not a PyTorch checkpoint (no zip signature) — expected a torch.save .pth/.pt file`);
  }
  try {
    return unzipSync(bytes);
  } catch (err) {
    throw new Error(`${file}: corrupt or truncated zip archive (${(err as Error).message})`);
  }
}

/** The archive's top folder: the one holding `data.pkl` (torch names it after the file, or `archive`). */
function archivePrefix(entries: Record<string, Uint8Array>, file: string): string {
  const pickle = Object.keys(entries).find((path) => /^[^/]+\/data\.pkl$/.test(path));
  if (pickle === undefined) {
    throw new Error(`${file}: zip archive has no <folder>/data.pkl — not a torch.save checkpoint`);
  }
  return pickle.slice(0, -'/data.pkl'.length);
}

function decodeText(bytes: Uint8Array | undefined): string | undefined {
  return bytes && new TextDecoder().decode(bytes).trim();
}
