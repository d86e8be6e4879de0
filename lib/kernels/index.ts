/**
 * segvit's kernel fixes and additions, so that the gradient of every op the models use is correct on every backend.
 * Two kinds, which reach different backends:
 *
 * Op-level gradients (GradConfigs built from tf ops): one implementation on cpu, wasm and tensorflow alike.
 * - ResizeBilinear, ResizeNearestNeighbor: dx from dy with two interpolation-matrix matmuls. tfjs's gradients call
 *   ResizeBilinearGrad / ResizeNearestNeighborGrad kernels that are wrong on all three: cpu's in every mode (a
 *   [W, H] shape for non-square images, misplaced nearest contributions), wasm's and tfjs-node's ignore
 *   halfPixelCenters (tfjs-node passes `align_corners` but not `half_pixel_centers` to TensorFlow's kernels);
 * - StridedSlice: tfjs has no gradient for it.
 *
 * Kernel replacements, wasm only (tensorflow runs TensorFlow's own kernels for all of these, as tfjs-node 4.22's
 * source shows; untested here, where tfjs-node cannot be installed):
 * - wasm lacks Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter: composed from wasm kernels (the dense
 *   one runs natively when the native GEMM is built);
 * - wasm lacks UnsortedSegmentSum (the gradient of gather): a direct one-pass kernel;
 * - wasm's Conv2DBackpropInput is 2-3x slower than a forward conv: recast as one;
 * - wasm's matmul is 10-15x slower with transpose flags: operands are transposed explicitly first;
 * - wasm's Identity copies, doubling the memory of training (tfjs clones what it saves for backprop): shared instead;
 * - wasm lacks other cpu kernels (DepthwiseConv2dNativeBackpropInput, Einsum, ...), and its Conv3DBackpropInputV2
 *   and (strided) Conv3DBackpropFilterV2 are wrong: these run the cpu kernel on copied data.
 * tfjs-node's Conv2DBackpropFilter / Conv2DBackpropInput accept only 'valid' and 'same' padding, and its conv2d and
 * conv3d backprop kernels fix dilation at 1: segvit's convs pad with tf.pad, convolve 'valid' and dilate by
 * space-to-batch, so they never reach those limits.
 *
 * The engine's backward pass frees each op's saved tensors and gradients as soon as it is done with them
 * (frugal-backprop.ts); tfjs holds them all to the end of the pass.
 *
 * And for speed:
 * - wasm's matmuls and Conv2D run on the optional native OpenBLAS GEMM (native-matmul.ts, native-conv.ts,
 *   native/blas.c) when it is built;
 * - wasm's Transpose (rank ≥ 5), Slice, Unpack, SplitV and GatherV2 copy rows in place on its heap, and its Sum over
 *   leading axes is one pass (heap-copy.ts, column-sum.ts);
 * - GELU, LayerNorm and training-mode BatchNorm are single-pass JS kernels with their own gradients on cpu and wasm
 *   (the layers fall back to tf ops on other backends); so are softmax cross-entropy and its gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilter, depthwiseConv2dNativeBackpropFilter } from './conv-filter-grad.js';
import { onCpu } from './on-cpu.js';
import { resizeBilinearGradConfig, resizeNearestNeighborGradConfig } from './resize-grad.js';
import { stridedSliceGradConfig } from './strided-slice-grad.js';
import { sharedIdentity } from './shared-identity.js';
import { unsortedSegmentSum } from './segment-sum.js';
import { withPlainOperands } from './plain-matmul.js';
import { conv2DBackpropInput } from './conv-input-grad.js';
import { nativeBlas, type NativeBlas } from './native-blas.js';
import { nativeConv2D, nativeConv2DBackpropFilter } from './native-conv.js';
import { nativeMatMul } from './native-matmul.js';
import { GELU_KERNELS, geluGradConfig } from './gelu.js';
import { LAYER_NORM_KERNELS, layerNormGradConfig } from './layer-norm.js';
import { BATCH_NORM_KERNELS, batchNormTrainGradConfig } from './batch-norm.js';
import { SOFTMAX_CE_KERNELS } from './softmax-ce.js';
import { leadingAxesSum } from './column-sum.js';
import { heapGather, heapSlice, heapSplitV, heapTranspose, heapUnpack } from './heap-copy.js';
import { installFrugalBackprop } from './frugal-backprop.js';

/** Kernels segvit provides for wasm (composed from wasm kernels, or direct). */
const WASM_COMPOSED: Record<string, KernelFunc> = {
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  UnsortedSegmentSum: unsortedSegmentSum,
  Identity: sharedIdentity,
};

/** wasm kernels that exist but compute wrong values; the cpu kernel replaces them. */
const WASM_WRONG = ['Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'];

/** Op-level gradients, built from tf ops: one implementation on every backend, `tensorflow` included. */
const GRADIENTS: GradConfig[] = [
  stridedSliceGradConfig,
  resizeBilinearGradConfig,
  resizeNearestNeighborGradConfig,
  geluGradConfig,
  layerNormGradConfig,
  batchNormTrainGradConfig,
];

/** segvit's single-pass layer kernels (with the gradients above), on cpu and wasm. */
const FUSED_KERNELS: Record<string, KernelFunc> = {
  ...GELU_KERNELS,
  ...LAYER_NORM_KERNELS,
  ...BATCH_NORM_KERNELS,
  ...SOFTMAX_CE_KERNELS,
};

const added = {
  composed: [] as string[],
  onCpu: [] as string[],
  fixed: [] as string[],
  gradients: GRADIENTS.map((g) => g.kernelName),
};

/** Register `kernelFunc` for the backend, keeping the old kernel's setup (wasm binds its functions there). */
function replaceKernel(kernelName: string, backendName: string, kernelFunc: KernelFunc): void {
  const old = tf.getKernel(kernelName, backendName);
  if (old) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc, setupFunc: old?.setupFunc, disposeFunc: old?.disposeFunc });
}

/** wasm kernels that run on the native GEMM when it is built, and how each wraps its fallback. */
const NATIVE: Record<string, (blas: NativeBlas, fallback: KernelFunc) => KernelFunc> = {
  BatchMatMul: nativeMatMul,
  _FusedMatMul: nativeMatMul,
  Conv2D: nativeConv2D,
  Conv2DBackpropFilter: nativeConv2DBackpropFilter,
};
/**
 * The kernels the native ones fall back to, kept for when the native GEMM is off or cannot take a case: wasm's
 * matmuls with explicit transposes, wasm's own Conv2D, the composed filter gradient.
 */
const fallbacks: Record<string, KernelFunc> = {};

/**
 * Run wasm's matmuls and Conv2D on the native GEMM (when it is built and loadable) or on wasm's own kernels. Returns
 * whether the native GEMM is now in use. Tests and benchmarks switch between the two paths with it.
 */
export function useNativeGemm(on: boolean): boolean {
  const blas = on ? nativeBlas().blas : undefined;
  for (const [name, wrap] of Object.entries(NATIVE)) {
    const fallback = fallbacks[name];
    if (fallback) replaceKernel(name, 'wasm', blas ? wrap(blas, fallback) : fallback);
  }
  return blas !== undefined && Object.keys(NATIVE).every((name) => fallbacks[name]);
}

/** wasm's data-movement kernels, replaced by copies in place on its heap (they wrap wasm's own for what stays). */
function registerHeapCopies(): void {
  const own = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc;
  const slice = own('Slice');
  const kernels: Record<string, KernelFunc> = {
    Transpose: heapTranspose(own('Transpose')),
    Slice: heapSlice(slice),
    Unpack: heapUnpack(slice),
    SplitV: heapSplitV(slice),
    Sum: leadingAxesSum(own('Sum')),
    GatherV2: heapGather(own('GatherV2')),
  };
  for (const [name, func] of Object.entries(kernels)) {
    replaceKernel(name, 'wasm', func);
    added.fixed.push(name);
  }
}

function registerWasm(): void {
  const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  registerHeapCopies();
  for (const name of ['BatchMatMul', '_FusedMatMul'] as const) {
    fallbacks[name] = withPlainOperands(name);
    added.fixed.push(name);
  }
  fallbacks.Conv2D = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
  fallbacks.Conv2DBackpropFilter = conv2DBackpropFilter;
  added.composed.push('Conv2DBackpropFilter');
  useNativeGemm(true);
  for (const [name, func] of Object.entries(WASM_COMPOSED)) {
    replaceKernel(name, 'wasm', func);
    added.composed.push(name);
  }
  for (const { kernelName } of tf.getKernelsForBackend('cpu')) {
    const missing = !wasm.has(kernelName) && !(kernelName in WASM_COMPOSED) && !(kernelName in NATIVE);
    if (!missing && !WASM_WRONG.includes(kernelName)) continue;
    replaceKernel(kernelName, 'wasm', onCpu(kernelName));
    added.onCpu.push(kernelName);
  }
}

/**
 * Put segvit's gradients in the (global) gradient registry in place of tfjs's. tfjs registers its own when
 * '@tensorflow/tfjs' is first evaluated, and again whenever another copy of it is (a native package with a
 * nested tfjs, a bundle): so this runs on every registerKernels() call, and initBackend calls that after
 * loading the native package; the last registration wins.
 */
function registerGradients(): void {
  for (const config of GRADIENTS) {
    const current = tf.getGradient(config.kernelName);
    if (current === config) continue;
    // registerGradient over an existing name replaces it but warns in DEBUG mode ("Overriding the gradient"):
    // the replacement is intended, so tfjs's entry is removed first.
    if (current) tf.unregisterGradient(config.kernelName);
    tf.registerGradient(config);
  }
}

let wasmDone = false;

/** Register every fix: gradients on every call, the wasm kernels once '@tensorflow/tfjs-backend-wasm' is imported. */
export function registerKernels(): void {
  registerGradients();
  installFrugalBackprop();
  const withWasm = tf.findBackendFactory('wasm') !== null;
  if (withWasm && !wasmDone) {
    registerWasm();
    wasmDone = true;
  }
  for (const [name, func] of Object.entries(FUSED_KERNELS)) {
    for (const backend of withWasm ? ['cpu', 'wasm'] : ['cpu']) replaceKernel(name, backend, func);
  }
}

/** What registerKernels changed, for tests and `segvit list`. */
export function kernelChanges(): {
  composed: readonly string[];
  onCpu: readonly string[];
  fixed: readonly string[];
  gradients: readonly string[];
} {
  return added;
}
