import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { Linear } from './linear.js';
import { GELU } from './activation.js';
import { Dropout } from './dropout.js';

/**
 * timm's `Mlp`: fc1 -> GELU -> drop -> fc2 -> drop, over the last axis. Parameter names `fc1.*`, `fc2.*`.
 * `hiddenFeatures` defaults to `inFeatures` and `outFeatures` to `inFeatures`, as timm.
 */
export class Mlp extends Module implements Layer {
  readonly fc1: Linear;
  readonly act: Layer;
  readonly fc2: Linear;
  readonly drop: Dropout;

  constructor(inFeatures: number, hiddenFeatures = inFeatures, outFeatures = inFeatures, drop = 0, act: Layer = new GELU()) {
    super();
    this.fc1 = this.addModule('fc1', new Linear(inFeatures, hiddenFeatures));
    this.act = this.addModule('act', act);
    this.fc2 = this.addModule('fc2', new Linear(hiddenFeatures, outFeatures));
    this.drop = this.addModule('drop', new Dropout(drop));
  }

  /** x: [..., in] -> [..., out] */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.drop.forward(this.fc2.forward(this.drop.forward(this.act.forward(this.fc1.forward(x))))));
  }
}
