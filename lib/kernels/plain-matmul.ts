/**
 * wasm's matmul is 10-15x slower with `transposeA` / `transposeB` than on plain operands (measured: [256,2048]ᵀ×[256,512]
 * 329 ms vs 22 ms with an explicit transpose). Those flags are in every Linear backward (dW = xᵀ·dy, dx = dy·Wᵀ) and
 * in attention (q·kᵀ). This wraps wasm's BatchMatMul / _FusedMatMul: flagged operands are transposed first.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

export function withPlainOperands(kernelName: 'BatchMatMul' | '_FusedMatMul'): KernelFunc {
  const matmul = tf.getKernel(kernelName, 'wasm')!.kernelFunc;
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  return (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return matmul(args);
    const backend = args.backend as KernelBackend;
    const temporaries: TensorInfo[] = [];
    const flipped = (t: TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
      const out = transpose({ inputs: { x: t }, backend, attrs: { perm } }) as TensorInfo;
      temporaries.push(out);
      return out;
    };
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    const out = matmul({
      ...args,
      inputs: { ...args.inputs, a: transposeA ? flipped(a) : a, b: transposeB ? flipped(b) : b },
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    });
    for (const t of temporaries) backend.disposeData(t.dataId);
    return out;
  };
}
