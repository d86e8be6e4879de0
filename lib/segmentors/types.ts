import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';

/** An image encoder: [B, H, W, C] -> feature maps, finest first. */
export interface Backbone extends Module {
  forward(x: tf.Tensor4D): tf.Tensor4D[];
  /** Backbones with extra per-stage prior maps (SeMask) return them beside the features. */
  forwardWithPriors?(x: tf.Tensor4D): { outs: tf.Tensor4D[]; priors: tf.Tensor4D[] };
}

/** Feature maps -> feature maps (FPN and the like). */
export interface Neck extends Module {
  forward(features: tf.Tensor4D[]): tf.Tensor4D[];
}

/** A backbone's feature maps and its prior maps (none for backbones without them). */
export function backboneOutputs(backbone: Backbone, x: tf.Tensor4D): { outs: tf.Tensor4D[]; priors: tf.Tensor4D[] } {
  return backbone.forwardWithPriors ? backbone.forwardWithPriors(x) : { outs: backbone.forward(x), priors: [] };
}
