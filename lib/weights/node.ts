/**
 * `segvit/weights` for Node: the byte-level API of ./index.js, whose readers and `loadWeights` here also take a file
 * path (errors then name the file), plus the writers. Browser code imports ./index.js, which needs no Node built-in.
 */
import { readFileSync } from 'node:fs';
import { writeAtomic } from '../files.js';
import type { Module } from '../nn/module.js';
import type { StateDict } from './adapt.js';
import { readCheckpoint as decodeCheckpoint, type CheckpointOptions } from './checkpoint.js';
import type { LoadReport } from './load.js';
import { loadWeights as loadCheckpoint, type LoadWeightsOptions } from './load-weights.js';
import { readPth as decodePth } from './pth.js';
import type { TensorRecord } from './record.js';
import { encodeSafetensors, readSafetensors as decodeSafetensors, type Safetensors } from './safetensors.js';
import { stateDictOf } from './save.js';

export * from './index.js';

/** Bytes to parse and the name that error messages use for them. */
interface Source {
  bytes: Uint8Array;
  name: string | undefined;
}

/** Read `source` when it is a path (named by it); bytes pass through, named `name`. */
function readSource(source: string | Uint8Array, name?: string): Source {
  if (typeof source !== 'string') return { bytes: source, name };
  const buffer = readFileSync(source);
  // A plain Uint8Array view: Buffer's slice() shares memory where Uint8Array's copies.
  return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), name: source };
}

/** Read a safetensors file, or decode its bytes (`name` then labels errors). Errors name the file. */
export function readSafetensors(source: string | Uint8Array, name?: string): Safetensors {
  const { bytes, name: file } = readSource(source, name);
  return decodeSafetensors(bytes, file);
}

/** Read a `torch.save` zip file, or decode its bytes (`name` then labels errors); see `readPth` in ./pth.js. */
export function readPth(source: string | Uint8Array, name?: string): unknown {
  const { bytes, name: file } = readSource(source, name);
  return decodePth(bytes, file);
}

/** Read a checkpoint file (or decode its bytes, named by `options.name`) as a flat state dict; see ./checkpoint.js. */
export function readCheckpoint(source: string | Uint8Array, options: CheckpointOptions = {}): Map<string, TensorRecord> {
  const { bytes, name } = readSource(source, options.name);
  return decodeCheckpoint(bytes, { ...options, name });
}

/** `loadWeights` of ./load-weights.js, also from a checkpoint file path. */
export function loadWeights(
  model: Module,
  source: string | Uint8Array | StateDict,
  options: LoadWeightsOptions = {},
): LoadReport {
  if (typeof source !== 'string') return loadCheckpoint(model, source, options);
  return loadCheckpoint(model, readSource(source).bytes, { ...options, name: source });
}

/** Write `tensors` (F32, I32, I64, U8 or BOOL records) to `path` atomically (temp file, then rename). */
export function writeSafetensors(path: string, tensors: ReadonlyMap<string, TensorRecord>, metadata?: Record<string, string>): void {
  writeAtomic(path, encodeSafetensors(tensors, metadata, path));
}

/** Write `module`'s state to `path` (atomically) as F32 / I32 safetensors in torch names and layouts. */
export function saveSafetensors(module: Module, path: string, metadata?: Record<string, string>): void {
  writeSafetensors(path, stateDictOf(module), metadata);
}
