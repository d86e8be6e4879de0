/** Stochastic gradient descent with momentum, updating exactly as `torch.optim.SGD`. */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defineOptions, option, type OptionsInput } from '../../config/declare.js';
import { ConfigError } from '../../config/errors.js';
import { optionPath, resolveOptions } from '../../config/resolve.js';
import { nonNegative } from '../../config/schema-parts.js';
import { registries, type BuildContext } from '../../registry.js';
import { Optimizer, type OptimizerParams, type ParamUpdate } from './optimizer.js';

export const SGDOptions = defineOptions(
  'SGD',
  'SGD with momentum, dampening, nesterov and L2 weight decay, exactly as torch.optim.SGD',
  {
    lr: option(nonNegative, 1e-3, 'learning rate'),
    momentum: option(nonNegative, 0, 'momentum factor; 0: plain SGD'),
    dampening: option(Type.Number(), 0, 'the gradient enters the momentum buffer times 1 - dampening'),
    weight_decay: option(nonNegative, 0, 'L2 penalty: weight_decay * parameter is added to the gradient'),
    nesterov: option(Type.Boolean(), false, 'Nesterov momentum; needs a momentum > 0 and dampening 0'),
  },
);
export type SGDOptions = OptionsInput<typeof SGDOptions>;

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

  constructor(params: OptimizerParams, options: SGDOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(SGDOptions, options, ctx);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw ConfigError.at(optionPath(SGDOptions, ctx, 'nesterov'), 'nesterov momentum requires a momentum > 0 and dampening 0');
    }
    super(params, { lr: o.lr, weightDecay: o.weight_decay });
    this.momentum = o.momentum;
    this.dampening = o.dampening;
    this.nesterov = o.nesterov;
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

registries.optimizer.register('SGD', { schema: SGDOptions, build: (o, ctx) => new SGD([], o, ctx) });
