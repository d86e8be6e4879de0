/** Stochastic gradient descent with momentum, updating exactly as `torch.optim.SGD`. */
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, type OptimizerOptions, type OptimizerParams, type ParamUpdate } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  /** Default 0. */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient, default 0. */
  weightDecay?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

/** What is wrong with `options` by torch's rule (nesterov needs a momentum > 0 and no dampening), or undefined. */
export function nesterovProblem({ momentum = 0, dampening = 0, nesterov = false }: SGDOptions): string | undefined {
  if (nesterov && (momentum <= 0 || dampening !== 0)) return 'nesterov momentum requires a momentum > 0 and dampening 0';
  return undefined;
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

  constructor(params: OptimizerParams, options: SGDOptions = {}) {
    super(params, options, 0);
    const problem = nesterovProblem(options);
    if (problem !== undefined) throw new Error(`SGD: ${problem}`);
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.bufferNames = this.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update({ param, grad, step, lr, weightDecay, buffers }: ParamUpdate): void {
    let d = weightDecay !== 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    if (this.momentum !== 0) {
      const buf = buffers.get('momentum_buffer')!;
      buf.assign(step === 1 ? d : tf.add(tf.mul(buf, this.momentum), tf.mul(d, 1 - this.dampening)));
      d = this.nesterov ? tf.add(d, tf.mul(buf, this.momentum)) : buf;
    }
    param.assign(tf.sub(param, tf.mul(d, lr)));
  }
}
