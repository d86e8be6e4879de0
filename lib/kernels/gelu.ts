/**
 * Exact GELU, x·Φ(x) = x/2·(1 + erf(x/√2)), and its gradient as single-pass kernels for cpu and wasm. As tf ops it
 * was five kernels forward and about ten backward, with tfjs's scalar erf and exp on every element of the MLPs'
 * widest tensors.
 *
 * erf is x·P(x²)/Q(x²) on [-4, 4] and ±1 beyond (max abs error 6.5e-8 against float64 erf, below tfjs's own
 * Abramowitz-Stegun erf, 1.4e-7).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { elementwiseKernel } from './elementwise.js';

export const GELU = 'SegvitGelu';
const GELU_GRAD = 'SegvitGeluGrad';

// Odd numerator P (coefficients of x, x³, ..., x¹³) and even denominator Q (of 1, x², ..., x⁸).
const P = [-1.60960333262415e-2, -2.95459980854025e-3, -7.34990630326855e-4, -5.69250639462346e-5, -2.10102402082508e-6, 2.77068142495902e-8, -2.72614225801306e-10];
const Q = [-1.42647390514189e-2, -7.37332916720468e-3, -1.68282697438203e-3, -2.13374055278905e-4, -1.45660718464996e-5];
const [p0, p1, p2, p3, p4, p5, p6] = P;
const [q0, q1, q2, q3, q4] = Q;

export function erf(v: number): number {
  const x = v > 4 ? 4 : v < -4 ? -4 : v;
  const u = x * x;
  const p = p0 + u * (p1 + u * (p2 + u * (p3 + u * (p4 + u * (p5 + u * p6)))));
  const q = q0 + u * (q1 + u * (q2 + u * (q3 + u * q4)));
  return (x * p) / q;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const POW2 = Float64Array.from({ length: 128 }, (_, i) => 2 ** (i - 127));

/** e^t for t ≤ 0 (relative error 1.6e-7; 0 below -87, where float32 underflows): twice as fast as Math.exp. */
export function expNonPositive(t: number): number {
  if (t < -87) return 0;
  const k = Math.round(t * Math.LOG2E);
  const r = t - k * Math.LN2; // |r| ≤ ln2/2
  return (1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r / 720)))))) * POW2[k + 127];
}

/** y = x·Φ(x) */
const geluValues = ([x]: Float32Array[], y: Float32Array) => {
  for (let i = 0; i < y.length; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
  }
};

/** dx = dy·(Φ(x) + x·φ(x)) */
const geluGradValues = ([dy, x]: Float32Array[], dx: Float32Array) => {
  for (let i = 0; i < dx.length; i++) {
    const v = x[i];
    dx[i] = dy[i] * (0.5 * (1 + erf(v * Math.SQRT1_2)) + v * INV_SQRT_2PI * expNonPositive(-0.5 * v * v));
  }
};

export const geluKernel: KernelFunc = elementwiseKernel(['x'], geluValues);
export const geluGradKernel: KernelFunc = elementwiseKernel(['dy', 'x'], geluGradValues);

export const geluGradConfig: GradConfig = {
  kernelName: GELU,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => ({
    x: () => tf.engine().runKernel(GELU_GRAD, { dy: dy as tf.Tensor, x: saved[0] }) as tf.Tensor,
  }),
};

/** The kernels by name, for registration on cpu and wasm. */
export const GELU_KERNELS: Record<string, KernelFunc> = { [GELU]: geluKernel, [GELU_GRAD]: geluGradKernel };
