/**
 * Sum over leading axes ([rows, ...cols] -> [...cols]) on wasm as one pass over the heap, accumulated in float64.
 * wasm's own Sum transposes the reduced axes to the end first: 4x slower, and every bias gradient and LayerNorm /
 * broadcast backward is such a sum. Other reductions go to wasm's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { jsKernel } from './elementwise.js';

const columnSum = (keptFrom: number, keepDims: boolean) =>
  jsKernel(
    ['x'],
    ([shape]) => [keepDims ? shape.map((d, i) => (i < keptFrom ? 1 : d)) : shape.slice(keptFrom)],
    ([x], [out]) => {
      const cols = out.length;
      const sums = new Float64Array(cols);
      for (let o = 0; o < x!.length; o += cols) {
        for (let j = 0; j < cols; j++) sums[j] += x![o + j];
      }
      out.set(sums);
    },
  );

export function leadingAxesSum(wasmSum: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.every((a, i) => a === i) && axes.length > 0 && axes.length < x.shape.length;
    if (x.dtype !== 'float32' || !leading) return wasmSum(args);
    return columnSum(axes.length, keepDims)(args);
  };
}
