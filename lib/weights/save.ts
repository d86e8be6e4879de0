/** A Module's state as a torch-layout state dict, which PyTorch loads by name (saved by `saveSafetensors`, node.ts). */
import type { Module } from '../nn/module.js';
import { toTorch } from './layout.js';
import type { Dtype, TensorData, TensorRecord } from './record.js';

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
