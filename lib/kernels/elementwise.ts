/**
 * Element-wise kernels written once in JS for the cpu and wasm backends: on wasm they read and write the heap in
 * place (views taken after the output is allocated), on cpu the backend's own arrays.
 */
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { heap, heapOffset, type WasmBackend } from './wasm-heap.js';

/** Fills `out` from the equally long `inputs`. */
export type Elementwise = (inputs: Float32Array[], out: Float32Array) => void;

function isWasm(backend: KernelBackend): backend is WasmBackend {
  return 'wasm' in backend;
}

/** A float32 kernel of the named inputs (all of one shape), for cpu or wasm. */
export function elementwiseKernel(inputNames: string[], compute: Elementwise): KernelFunc {
  return ({ inputs, backend: own }) => {
    const backend = own as KernelBackend;
    const infos = inputNames.map((name) => inputs[name] as TensorInfo);
    const shape = infos[0].shape;
    const n = shape.reduce((p, d) => p * d, 1);
    for (const info of infos) {
      if (info.dtype !== 'float32') throw new Error(`element-wise kernel: expected float32 input, got ${info.dtype}`);
    }
    if (isWasm(backend)) {
      const out = backend.makeOutput(shape, 'float32');
      const buffer = heap(backend).buffer;
      const view = (info: TensorInfo) => new Float32Array(buffer, heapOffset(backend, info), n);
      compute(infos.map(view), view(out));
      return out;
    }
    const values = new Float32Array(n);
    compute(infos.map((info) => backend.readSync(info.dataId) as Float32Array), values);
    return { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
  };
}
