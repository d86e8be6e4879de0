/**
 * Identity that shares the input's data (reference count + 1) instead of copying it, as the cpu backend does.
 * tfjs clones every tensor it saves for the backward pass; wasm's own Identity copies, which doubled the
 * memory of every training step on wasm.
 */
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

export const sharedIdentity: KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as TensorInfo;
  (backend as KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};
