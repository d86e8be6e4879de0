/**
 * wasm's own BatchMatMul / _FusedMatMul, made fast and correct:
 * - wasm's matmul is 10-15x slower with `transposeA` / `transposeB` than on plain operands (measured:
 *   [256,2048]ᵀ×[256,512] 329 ms vs 22 ms with an explicit transpose). Those flags are in every Linear backward
 *   (dW = xᵀ·dy, dx = dy·Wᵀ) and in attention (q·kᵀ): flagged operands are transposed first.
 * - wasm's _FusedMatMul adds the bias wrongly when there is more than one product in the batch ([3,9,11]×[3,11,13]
 *   + bias[13] is off by up to 2.7), and rejects a bias of rank > 1: those run as BatchMatMul, then Add and the
 *   activation's own kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The kernel of each fused activation, with its extra inputs and attributes. */
const ACTIVATION_KERNELS: Record<string, (x: TensorInfo, alpha: TensorInfo | undefined, leak: number) => [string, Record<string, unknown>, Record<string, unknown>]> = {
  relu: (x) => ['Relu', { x }, {}],
  relu6: (x) => ['Relu6', { x }, {}],
  sigmoid: (x) => ['Sigmoid', { x }, {}],
  elu: (x) => ['Elu', { x }, {}],
  leakyrelu: (x, _, leak) => ['LeakyRelu', { x }, { alpha: leak }],
  prelu: (x, alpha) => ['Prelu', { x, alpha }, {}],
};

const run = (name: string, inputs: Record<string, unknown>, attrs: Record<string, unknown>, backend: KernelBackend) =>
  tf.getKernel(name, 'wasm')!.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, attrs: attrs as tf.NamedAttrMap, backend }) as TensorInfo;

/** op(A)·op(B), then + bias, then the activation, each on wasm's own kernel. */
function separateBias(matmul: KernelFunc): KernelFunc {
  return (args) => {
    const { bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as { activation?: string; leakyreluAlpha?: number };
    const backend = args.backend as KernelBackend;
    const product = matmul({ ...args, attrs: { ...args.attrs, activation: 'linear' }, inputs: { a: args.inputs.a, b: args.inputs.b } }) as TensorInfo;
    const biased = run('Add', { a: product, b: bias }, {}, backend);
    backend.disposeData(product.dataId);
    const activation = ACTIVATION_KERNELS[attrs.activation ?? 'linear'];
    if (!activation) return biased;
    const [name, inputs, extra] = activation(biased, preluActivationWeights, attrs.leakyreluAlpha ?? 0.2);
    const out = run(name, inputs, extra, backend);
    backend.disposeData(biased.dataId);
    return out;
  };
}

function batchOf(t: TensorInfo): number {
  return tf.util.sizeFromShape(t.shape.slice(0, -2));
}

export function withPlainOperands(kernelName: 'BatchMatMul' | '_FusedMatMul'): KernelFunc {
  const matmul = tf.getKernel(kernelName, 'wasm')!.kernelFunc;
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  const plain: KernelFunc = (args) => {
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
  if (kernelName === 'BatchMatMul') return plain;
  const split = separateBias(plain);
  return (args) => {
    const { a, b, bias } = args.inputs as Record<string, TensorInfo | undefined>;
    const batched = Math.max(batchOf(a!), batchOf(b!)) > 1;
    return bias && (batched || bias.shape.length > 1) ? split(args) : plain(args);
  };
}
