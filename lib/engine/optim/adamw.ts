/** AdamW (Loshchilov & Hutter), updating exactly as `torch.optim.AdamW` (single-tensor path). */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../../config/declare.js';
import { resolveOptions } from '../../config/resolve.js';
import { nonNegative, pairOf } from '../../config/schema-parts.js';
import { registries, type BuildContext } from '../../registry.js';
import { Optimizer, type OptimizerParams, type ParamUpdate } from './optimizer.js';

export const AdamWOptions = defineOptions('AdamW', 'Adam with decoupled weight decay, updating exactly as torch.optim.AdamW', {
  lr: option(nonNegative, 1e-3, 'learning rate'),
  betas: option(
    pairOf(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    [0.9, 0.999],
    'decay rates of the running averages of the gradient and of its square',
  ),
  eps: option(nonNegative, 1e-8, 'added to the denominator, for numerical stability'),
  weight_decay: option(nonNegative, 0.01, 'decoupled weight decay: each step scales the parameters by 1 - lr * weight_decay'),
  amsgrad: option(Type.Boolean(), false, 'use the maximum of past second moments (AMSGrad)'),
});
export type AdamWOptions = OptionsInput<typeof AdamWOptions>;

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

  constructor(params: OptimizerParams, options: AdamWOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(AdamWOptions, options, ctx);
    super(params, { lr: o.lr, weightDecay: o.weight_decay });
    this.betas = o.betas;
    this.eps = o.eps;
    this.amsgrad = o.amsgrad;
    this.bufferNames = this.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  }

  /** Each statement in a tidy of its own: at most three temporaries the size of the parameter exist at once. */
  protected update({ param, grad, step, lr, weightDecay, buffers }: ParamUpdate): void {
    const [beta1, beta2] = this.betas;
    const expAvg = buffers.get('exp_avg')!;
    const expAvgSq = buffers.get('exp_avg_sq')!;
    tf.tidy(() => expAvg.assign(lerp(expAvg, grad, 1 - beta1)));
    tf.tidy(() => expAvgSq.assign(tf.add(tf.mul(expAvgSq, beta2), tf.mul(tf.square(grad), 1 - beta2))));
    let second: tf.Tensor = expAvgSq;
    if (this.amsgrad) {
      const maxSq = buffers.get('max_exp_avg_sq')!;
      tf.tidy(() => maxSq.assign(tf.maximum(maxSq, expAvgSq)));
      second = maxSq;
    }
    const stepSize = lr / (1 - beta1 ** step);
    const change = tf.tidy(() => {
      const denom = tf.tidy(() => tf.add(tf.div(tf.sqrt(second), Math.sqrt(1 - beta2 ** step)), this.eps));
      return tf.mul(tf.div(expAvg, denom), stepSize);
    });
    tf.tidy(() => param.assign(tf.sub(tf.mul(param, 1 - lr * weightDecay), change)));
    change.dispose();
  }
}

/** `torch.lerp(start, end, weight)` with torch's two formulas (the one for weight ≥ 0.5 counts from `end`). */
function lerp(start: tf.Tensor, end: tf.Tensor, weight: number): tf.Tensor {
  const diff = tf.sub(end, start);
  return weight < 0.5 ? tf.add(start, tf.mul(diff, weight)) : tf.sub(end, tf.mul(diff, 1 - weight));
}

registries.optimizer.register('AdamW', { schema: AdamWOptions, build: (o, ctx) => new AdamW([], o, ctx) });
