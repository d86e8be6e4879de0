/** A tiny model with the parameter kinds the paramwise rules distinguish, named as in a Swin segmentor. */
import * as tf from '@tensorflow/tfjs-core';
import { Linear } from '../../lib/nn/linear.js';
import { Module } from '../../lib/nn/module.js';
import { BatchNorm2d, LayerNorm } from '../../lib/nn/norm.js';

/** `layers.0`: a LayerNorm `norm`, a Linear `fc` and a `relative_position_bias_table`. */
class Block extends Module {
  readonly norm = this.addModule('norm', new LayerNorm(2));
  readonly fc = this.addModule('fc', new Linear(2, 3));
  readonly table = this.addParameter('relative_position_bias_table', tf.fill([3, 2], 0.5));
}

class Layers extends Module {
  constructor() {
    super();
    this.addModule('0', new Block());
  }
}

/**
 * Parameters, in order: absolute_pos_embed, layers.0.norm.{weight,bias}, layers.0.fc.{weight,bias},
 * layers.0.relative_position_bias_table, bn.{weight,bias}, head.{weight,bias}.
 */
export class TinyNet extends Module {
  readonly pos = this.addParameter('absolute_pos_embed', tf.fill([1, 2], 0.25));
  readonly layers = this.addModule('layers', new Layers());
  readonly bn = this.addModule('bn', new BatchNorm2d(3));
  readonly head = this.addModule('head', new Linear(3, 2));
}

/** The names and lr / weight decay of each param group. */
export function describeGroups(groups: { params: [string, unknown][]; lr: number; weightDecay: number }[]) {
  return groups.map((g) => ({ names: g.params.map(([n]) => n), lr: g.lr, weightDecay: g.weightDecay }));
}
