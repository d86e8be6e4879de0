/** Stochastic gradient descent with momentum, updating exactly as `torch.optim.SGD`. */
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer } from './optimizer.js';
import type { ParamGroup } from './param-groups.js';

export interface SGDOptions {
  /** Default 1e-3 (torch). */
  lr?: number;
  /** Default 0. */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient, default 0. */
  weightDecay?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

/**
 * With g the gradient, at update t of a parameter p:
 *   d ← g + wd·p;  b ← d at t = 1, else μ·b + (1 − dampening)·d
 *   d ← d + μ·b (nesterov) or b;  p ← p − lr·d
 * (no momentum: p ← p − lr·d).
 */
export class SGD extends Optimizer {
  readonly type = 'SGD';
  protected readonly bufferNames: readonly string[];
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;

  constructor(params: ParamGroup[] | [string, tf.Variable][], options: SGDOptions = {}) {
    super(params, { lr: options.lr ?? 1e-3, weightDecay: options.weightDecay ?? 0 });
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error('SGD: nesterov momentum requires a momentum and zero dampening');
    }
    this.bufferNames = this.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(
    param: tf.Variable,
    grad: tf.Tensor,
    step: number,
    lr: number,
    weightDecay: number,
    buffers: ReadonlyMap<string, tf.Variable>,
  ): void {
    let d = weightDecay !== 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    if (this.momentum !== 0) {
      const buf = buffers.get('momentum_buffer')!;
      buf.assign(step === 1 ? d : tf.add(tf.mul(buf, this.momentum), tf.mul(d, 1 - this.dampening)));
      d = this.nesterov ? tf.add(d, tf.mul(buf, this.momentum)) : buf;
    }
    param.assign(tf.sub(param, tf.mul(d, lr)));
  }
}
