/** AdamW (Loshchilov & Hutter), updating exactly as `torch.optim.AdamW` (single-tensor path). */
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer } from './optimizer.js';
import type { ParamGroup } from './param-groups.js';

export interface AdamWOptions {
  /** Default 1e-3 (torch). */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay, default 0.01. */
  weightDecay?: number;
  /** Use the maximum of past second moments (AMSGrad), default false. */
  amsgrad?: boolean;
}

/**
 * With g the gradient, at update t of a parameter p:
 *   p ← p·(1 − lr·wd);  m ← lerp(m, g, 1 − β1);  v ← β2·v + (1 − β2)·g²;  [v̂ ← max(v̂, v)]
 *   p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
 */
export class AdamW extends Optimizer {
  readonly type = 'AdamW';
  protected readonly bufferNames: readonly string[];
  readonly betas: [number, number];
  readonly eps: number;
  readonly amsgrad: boolean;

  constructor(params: ParamGroup[] | [string, tf.Variable][], options: AdamWOptions = {}) {
    super(params, { lr: options.lr ?? 1e-3, weightDecay: options.weightDecay ?? 0.01 });
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.amsgrad = options.amsgrad ?? false;
    this.bufferNames = this.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  }

  protected update(
    param: tf.Variable,
    grad: tf.Tensor,
    step: number,
    lr: number,
    weightDecay: number,
    buffers: ReadonlyMap<string, tf.Variable>,
  ): void {
    const [beta1, beta2] = this.betas;
    const expAvg = buffers.get('exp_avg')!;
    const expAvgSq = buffers.get('exp_avg_sq')!;
    const decayed = tf.mul(param, 1 - lr * weightDecay);
    expAvg.assign(lerp(expAvg, grad, 1 - beta1));
    expAvgSq.assign(tf.add(tf.mul(expAvgSq, beta2), tf.mul(tf.square(grad), 1 - beta2)));
    let second: tf.Tensor = expAvgSq;
    if (this.amsgrad) {
      const maxSq = buffers.get('max_exp_avg_sq')!;
      maxSq.assign(tf.maximum(maxSq, expAvgSq));
      second = maxSq;
    }
    const stepSize = lr / (1 - beta1 ** step);
    const denom = tf.add(tf.div(tf.sqrt(second), Math.sqrt(1 - beta2 ** step)), this.eps);
    param.assign(tf.sub(decayed, tf.mul(tf.div(expAvg, denom), stepSize)));
  }
}

/** `torch.lerp(start, end, weight)` with torch's two formulas (the one for weight ≥ 0.5 counts from `end`). */
function lerp(start: tf.Tensor, end: tf.Tensor, weight: number): tf.Tensor {
  const diff = tf.sub(end, start);
  return weight < 0.5 ? tf.add(start, tf.mul(diff, weight)) : tf.sub(end, tf.mul(diff, 1 - weight));
}
