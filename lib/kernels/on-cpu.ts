/** Run a cpu kernel for another backend: inputs are copied out, the cpu kernel runs, outputs are copied back. */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

export function onCpu(kernelName: string): KernelFunc {
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  if (!cpuKernel) throw new Error(`no cpu kernel ${kernelName} to fall back on`);
  return ({ inputs, attrs, backend }) => {
    const own = backend as KernelBackend;
    const cpu = tf.engine().findBackend('cpu') as KernelBackend;
    const copies: Record<string, TensorInfo> = {};
    for (const [name, info] of Object.entries(inputs)) {
      if (!info) continue;
      const values = own.readSync(info.dataId) as tf.backend_util.BackendValues;
      // wasm hands out views of its heap, which later allocations may move: take a copy.
      const owned = ArrayBuffer.isView(values) ? (values as Float32Array).slice() : values;
      copies[name] = { dataId: cpu.write(owned, info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
    }
    const out = cpuKernel.kernelFunc({ inputs: copies, attrs: attrs as NamedAttrMap, backend: cpu });
    const outs = Array.isArray(out) ? out : [out];
    const back = outs.map((o) => {
      const values = cpu.readSync(o.dataId) as tf.backend_util.BackendValues;
      cpu.disposeData(o.dataId, true);
      return { dataId: own.write(values, o.shape, o.dtype), shape: o.shape, dtype: o.dtype };
    });
    for (const c of Object.values(copies)) cpu.disposeData(c.dataId, true);
    return Array.isArray(out) ? back : back[0];
  };
}
