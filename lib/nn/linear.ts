import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { defaultUniform } from './init.js';
import { view } from './view.js';
import { add } from './add.js';

/**
 * y = x W + b over the last axis, as `nn.Linear(in_features, out_features, bias)`.
 * `weight` is `[in, out]` here (`[out, in]` in PyTorch checkpoints).
 */
export class Linear extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    this.weight = this.addParameter('weight', defaultUniform([inFeatures, outFeatures], inFeatures), 'linear');
    if (bias) this.bias = this.addParameter('bias', defaultUniform([outFeatures], inFeatures));
  }

  /** x: [..., in] -> [..., out] */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const flat = view<tf.Tensor2D>(x, [-1, this.inFeatures]);
      const y = this.bias
        ? add(tf.matMul(flat, this.weight as tf.Tensor2D), this.bias)
        : tf.matMul(flat, this.weight as tf.Tensor2D);
      return view(y, [...lead, this.outFeatures]);
    });
  }
}
