/**
 * The parts of tfjs-backend-wasm's BackendWasm that kernels working in place on its heap need: where a tensor's
 * bytes live, and how to allocate an output. Allocation may grow the heap, which detaches every earlier view of it,
 * so a kernel allocates its outputs first and takes `heap()` afterwards.
 */
import type { DataId, DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

export interface WasmBackend extends KernelBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
}

/** Byte offset of a tensor's data on the heap. */
export function heapOffset(backend: WasmBackend, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/** The heap as it is now (take it after allocating). */
export function heap(backend: WasmBackend): Uint8Array {
  return backend.wasm.HEAPU8;
}

export const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
