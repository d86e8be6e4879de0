/** Reading the JSON fixtures of tools/reference/*.py that store tensors in PyTorch layouts (spec/fixtures/<dir>/). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TensorRecord } from '../../lib/weights/index.js';

export interface StoredTensor {
  shape: number[];
  data: number[];
}

/** The file `spec/fixtures/<path>` (binary fixtures, read with the weights readers). */
export function fixturePath(path: string): string {
  return fileURLToPath(new URL(`../../../spec/fixtures/${path}`, import.meta.url));
}

/** The parsed fixture `spec/fixtures/<path>`. */
export function readJsonFixture<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../../spec/fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

/** A stored tensor as a float32 record in its PyTorch layout. */
export function record(t: StoredTensor): TensorRecord {
  return { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.data) };
}

/** A stored state dict as the map loadStateDict takes. */
export function stateDict(tensors: Record<string, StoredTensor>): Map<string, TensorRecord> {
  return new Map(Object.entries(tensors).map(([k, t]) => [k, record(t)]));
}
