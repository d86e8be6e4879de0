/**
 * Tensors that are a hash of (name, element index), the same values tools/reference/hiformer_reference.py makes on the
 * PyTorch side, so a spec can rebuild the weights of a reference run (25M for ResNet-50) instead of storing them;
 * and the sampled outputs that script stores.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import type { Module } from '../../lib/nn/module.js';
import { torchShape } from '../../lib/weights/layout.js';
import type { TensorRecord } from '../../lib/weights/index.js';

function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function fmix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Tensor `name` of PyTorch shape `shape`, with u_i = fmix32(fnv1a(name) ^ (i+1)·0x9E3779B9) / 2^32 · 2 - 1 in [-1, 1):
 * running_var 0.75 + 0.25u, running_mean 0.1u, position embeddings and bias tables 0.1u, other weights of rank ≥ 2
 * u·√(3 / fan_in), norm weights 1 + 0.1u, other vectors 0.1u.
 */
export function hashedTensor(name: string, shape: number[]): TensorRecord {
  const n = shape.reduce((a, b) => a * b, 1);
  const seed = fnv1a(name);
  const scale = (u: number): number => {
    if (name.endsWith('running_var')) return 0.75 + 0.25 * u;
    if (name.endsWith('running_mean') || name.includes('pos_embed') || name.includes('relative_position_bias_table')) return 0.1 * u;
    if (shape.length >= 2) return Math.sqrt(3 / (n / shape[0])) * u;
    return name.endsWith('weight') ? 1 + 0.1 * u : 0.1 * u;
  };
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = scale((fmix32((seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0) / 2 ** 32) * 2 - 1);
  return { dtype: 'F32', shape, data };
}

/** Every float state tensor of `model` hashed under the name `official(ours)` (counters left out). */
export function hashedState(model: Module, official: (name: string) => string = (name) => name): Map<string, TensorRecord> {
  const state = new Map<string, TensorRecord>();
  for (const [name, entry] of model.namedState()) {
    if (entry.variable.dtype !== 'float32') continue;
    const key = official(name);
    state.set(key, hashedTensor(key, torchShape(entry.layout, entry.variable.shape)));
  }
  return state;
}

/** A sampled reference tensor of hiformer_reference.py: every stride-th element (row-major) and the max |value|. */
export interface SampledTensor {
  shape: number[];
  max_abs: number;
  stride: number;
  samples: number[];
}

/** Max |ours - reference| over the sampled elements, relative to the reference's max |value|; `actual` in the reference's layout. */
export function sampledError(actual: tf.Tensor, reference: SampledTensor): number {
  expect(actual.shape).to.deep.equal(reference.shape);
  const data = actual.dataSync();
  let err = 0;
  reference.samples.forEach((v, k) => (err = Math.max(err, Math.abs(data[k * reference.stride] - v))));
  return err / reference.max_abs;
}
