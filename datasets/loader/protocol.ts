/** Messages between a DataLoader and its worker threads, and how samples and errors cross the thread boundary. */
import type { ComponentConfig } from '../../lib/config/types.js';
import type { Sample } from '../types.js';

/** What a worker starts with (its `workerData`). */
export interface WorkerInit {
  datasetConfig: ComponentConfig;
  /** Module URLs to import before building the dataset (they register components). */
  imports: string[];
}

/** Main -> worker: load dataset sample `index` with the augmentation seed `seed`. */
export interface LoadRequest {
  id: number;
  index: number;
  seed: number;
}

/** An Error as plain data. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
}

/** Worker -> main. `failed`: the worker could not build its dataset and takes no requests. */
export type WorkerReply =
  | { type: 'sample'; id: number; sample: Sample }
  | { type: 'error'; id: number; error: ErrorData }
  | { type: 'failed'; error: ErrorData };

/** `err` as plain data, to post across threads. */
export function toErrorData(err: unknown): ErrorData {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** The Error `data` describes, its stack the worker's. */
export function fromErrorData(data: ErrorData): Error {
  const err = new Error(data.message);
  err.name = data.name;
  if (data.stack !== undefined) err.stack = data.stack;
  return err;
}

/** A typed array that owns its whole buffer (copied when it is a view into a larger or shared one). */
function owning<T extends Uint8Array | Float32Array>(a: T): T {
  const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer;
  return whole ? a : (a.slice() as T);
}

/**
 * `sample` made ready to transfer: its pixel arrays own their buffers, which are listed for `postMessage`'s
 * transfer list (moved, not copied). Views into pooled Node buffers are copied first, never transferred.
 */
export function forTransfer(sample: Sample): { sample: Sample; transfer: ArrayBuffer[] } {
  const out: Sample = { ...sample };
  if (out.img) out.img = { ...out.img, data: owning(out.img.data) };
  if (out.gtSegMap) out.gtSegMap = { ...out.gtSegMap, data: owning(out.gtSegMap.data) };
  if (out.gtDepthMap) out.gtDepthMap = { ...out.gtDepthMap, data: owning(out.gtDepthMap.data) };
  if (out.img3d) out.img3d = { ...out.img3d, data: owning(out.img3d.data) };
  if (out.gtSeg3d) out.gtSeg3d = { ...out.gtSeg3d, data: owning(out.gtSeg3d.data) };
  const arrays = [out.img?.data, out.gtSegMap?.data, out.gtDepthMap?.data, out.img3d?.data, out.gtSeg3d?.data];
  const buffers = arrays.map((a) => a?.buffer);
  const transfer = [...new Set(buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer))];
  return { sample: out, transfer };
}
