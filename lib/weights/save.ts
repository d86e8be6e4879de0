/** A Module's state as a torch-layout state dict, and saving it as safetensors that PyTorch loads by name. */
import type { Module } from '../nn/module.js';
import { toTorch } from './layout.js';
import type { Dtype, TensorData, TensorRecord } from './record.js';
import { writeSafetensors } from './safetensors.js';

const FILE_DTYPES: Partial<Record<string, Dtype>> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/** Every parameter and buffer of `module`, in state order, with official names, torch layouts and fresh arrays. */
export function stateDictOf(module: Module): Map<string, TensorRecord> {
  const state = new Map<string, TensorRecord>();
  for (const [key, { variable, layout }] of module.namedState()) {
    const dtype = FILE_DTYPES[variable.dtype];
    if (dtype === undefined) throw new Error(`${key}: cannot save a ${variable.dtype} tensor`);
    const { shape, data } = toTorch(layout, variable.shape, variable.dataSync() as TensorData);
    state.set(key, { dtype, shape, data });
  }
  return state;
}

/** Write `module`'s state to `path` (atomically) as F32 / I32 safetensors in torch names and layouts. */
export function saveSafetensors(module: Module, path: string, metadata?: Record<string, string>): void {
  writeSafetensors(path, stateDictOf(module), metadata);
}
