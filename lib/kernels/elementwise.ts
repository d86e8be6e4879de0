/**
 * Float32 kernels written once in JS for the cpu and wasm backends: on wasm they read and write the heap in place
 * (views taken after the outputs are allocated), on cpu the backend's own arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heap, heapOffset, type WasmBackend } from './wasm-heap.js';

/** Fills the outputs from the inputs (absent optional inputs are undefined). */
export type Compute = (inputs: (Float32Array | undefined)[], outputs: Float32Array[], shapes: number[][], attrs: NamedAttrMap) => void;

function isWasm(backend: KernelBackend): backend is WasmBackend {
  return 'wasm' in backend;
}

/**
 * A kernel of the named float32 inputs whose outputs have the shapes `outputShapes` gives (from the input shapes,
 * absent inputs `[]`). Returns one TensorInfo for one output, else an array.
 */
export function jsKernel(inputNames: string[], outputShapes: (shapes: number[][]) => number[][], compute: Compute): KernelFunc {
  return ({ inputs, backend: own, attrs }) => {
    const backend = own as KernelBackend;
    const infos = inputNames.map((name) => inputs[name] as TensorInfo | undefined);
    for (const info of infos) {
      if (info && info.dtype !== 'float32') throw new Error(`segvit kernel: expected float32 input, got ${info.dtype}`);
    }
    const shapes = infos.map((info) => info?.shape ?? []);
    const outShapes = outputShapes(shapes);
    let outs: TensorInfo[];
    if (isWasm(backend)) {
      outs = outShapes.map((shape) => backend.makeOutput(shape, 'float32'));
      const buffer = heap(backend).buffer;
      const view = (info: TensorInfo) => new Float32Array(buffer, heapOffset(backend, info), tf.util.sizeFromShape(info.shape));
      compute(infos.map((info) => info && view(info)), outs.map(view), shapes, attrs as NamedAttrMap);
    } else {
      const values = outShapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
      compute(infos.map((info) => info && (backend.readSync(info.dataId) as Float32Array)), values, shapes, attrs as NamedAttrMap);
      outs = values.map((v, i) => ({ dataId: backend.write(v, outShapes[i], 'float32'), shape: outShapes[i], dtype: 'float32' }));
    }
    return outs.length === 1 ? outs[0] : outs;
  };
}

/** An element-wise kernel: one output shaped as the first input. */
export function elementwiseKernel(inputNames: string[], compute: (inputs: Float32Array[], out: Float32Array) => void): KernelFunc {
  return jsKernel(inputNames, (shapes) => [shapes[0]], (inputs, [out]) => compute(inputs as Float32Array[], out));
}
