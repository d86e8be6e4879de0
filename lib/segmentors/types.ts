import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';

/** An image encoder: [B, H, W, C] -> feature maps, finest first. */
export interface Backbone extends Module {
  forward(x: tf.Tensor4D): tf.Tensor4D[];
}

/** Feature maps -> feature maps (FPN and the like). */
export interface Neck extends Module {
  forward(features: tf.Tensor4D[]): tf.Tensor4D[];
}
