/**
 * segvit's kernel fixes and additions, so that the gradient of every op the models use is correct on
 * every backend we can test (cpu, wasm):
 * - wasm lacks Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter: composed from wasm kernels;
 * - wasm lacks other cpu kernels (UnsortedSegmentSum, the gradient of gather; DepthwiseConv2dNativeBackpropInput;
 *   ...), and its Conv3DBackpropInputV2 and (strided) Conv3DBackpropFilterV2 are wrong: these run the cpu kernel on copied data;
 * - ResizeBilinearGrad and ResizeNearestNeighborGrad are replaced on cpu and wasm by exact adjoints;
 * - StridedSlice gets the gradient tfjs lacks (all backends).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilter, depthwiseConv2dNativeBackpropFilter } from './conv-filter-grad.js';
import { onCpu } from './on-cpu.js';
import { resizeBilinearGrad, resizeNearestNeighborGrad } from './resize-grad.js';
import { stridedSliceGradConfig } from './strided-slice-grad.js';

/** Kernels composed from wasm's own, for wasm. */
const WASM_COMPOSED: Record<string, KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
};

/** wasm kernels that exist but compute wrong values; the cpu kernel replaces them. */
const WASM_WRONG = ['Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'];

/** Replacements on both cpu and wasm. */
const FIXED: Record<string, KernelFunc> = {
  ResizeBilinearGrad: resizeBilinearGrad,
  ResizeNearestNeighborGrad: resizeNearestNeighborGrad,
};

const added = { composed: [] as string[], onCpu: [] as string[], fixed: [] as string[] };

function replaceKernel(kernelName: string, backendName: string, kernelFunc: KernelFunc): void {
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc });
}

function registerWasm(): void {
  const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  for (const [name, func] of Object.entries(WASM_COMPOSED)) {
    replaceKernel(name, 'wasm', func);
    added.composed.push(name);
  }
  for (const { kernelName } of tf.getKernelsForBackend('cpu')) {
    const missing = !wasm.has(kernelName) && !(kernelName in WASM_COMPOSED);
    if ((!missing && !WASM_WRONG.includes(kernelName)) || kernelName in FIXED) continue;
    replaceKernel(kernelName, 'wasm', onCpu(kernelName));
    added.onCpu.push(kernelName);
  }
}

const done = { wasm: false, common: false };

/** Register every fix once; the wasm part once '@tensorflow/tfjs-backend-wasm' has been imported. */
export function registerKernels(): void {
  if (!done.common) {
    tf.registerGradient(stridedSliceGradConfig);
    done.common = true;
  }
  const withWasm = tf.findBackendFactory('wasm') !== null;
  if (withWasm && !done.wasm) {
    registerWasm();
    done.wasm = true;
  }
  for (const [name, func] of Object.entries(FIXED)) {
    for (const backend of withWasm ? ['cpu', 'wasm'] : ['cpu']) replaceKernel(name, backend, func);
    if (!added.fixed.includes(name)) added.fixed.push(name);
  }
}

/** What registerKernels changed, for tests and `segvit list`. */
export function kernelChanges(): { composed: readonly string[]; onCpu: readonly string[]; fixed: readonly string[] } {
  return added;
}
