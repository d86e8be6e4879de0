/**
 * PyTorch <-> TF.js weight layouts (see `Layout` in lib/nn/module.ts). Pure typed-array permutations, no tfjs.
 * `conv` and `conv_transpose` move axes the same way: the two leading torch axes go last, in reverse order.
 */
import type { Layout } from '../nn/module.js';
import type { TensorData } from './record.js';
import { permute } from './strided.js';

export interface LaidOut<T extends TensorData = TensorData> {
  shape: number[];
  data: T;
}

/** Torch-layout tensor -> TF.js layout (a new array, also for `same`). */
export function fromTorch<T extends TensorData>(layout: Layout, shape: readonly number[], data: T): LaidOut<T> {
  return permute(data, shape, torchToTfAxes(layout, shape));
}

/** TF.js-layout tensor -> torch layout (a new array, also for `same`). */
export function toTorch<T extends TensorData>(layout: Layout, shape: readonly number[], data: T): LaidOut<T> {
  return permute(data, shape, inverse(torchToTfAxes(layout, shape)));
}

/** The torch shape of a tensor whose TF.js shape is `tfShape`. */
export function torchShape(layout: Layout, tfShape: readonly number[]): number[] {
  return inverse(torchToTfAxes(layout, tfShape)).map((axis) => tfShape[axis]);
}

/** Axis order taking a torch tensor to TF.js layout (also valid for the TF.js shape: ranks agree). */
function torchToTfAxes(layout: Layout, shape: readonly number[]): number[] {
  const rank = shape.length;
  switch (layout) {
    case 'same':
      return range(0, rank);
    case 'linear':
      if (rank !== 2) throw new Error(`layout 'linear' needs a 2-D tensor, got shape [${shape}]`);
      return [1, 0];
    case 'conv':
    case 'conv_transpose':
      if (rank < 3) throw new Error(`layout '${layout}' needs a tensor of rank >= 3, got shape [${shape}]`);
      return [...range(2, rank), 1, 0];
  }
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
