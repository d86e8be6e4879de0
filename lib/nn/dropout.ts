/** Stochastic regularisers; identity in eval mode. Masks draw their seeds from the process `rng`. */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { rng } from '../random.js';

function checkRate(p: number, what: string): number {
  if (!(p >= 0 && p < 1)) throw new Error(`${what} probability must be in [0, 1), got ${p}`);
  return p;
}

/** Zero whole slices (those sharing a `keep` position along the kept axes) with probability p, scale by 1/(1-p). */
function dropSlices(x: tf.Tensor, p: number, maskShape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const keep = tf.floor(tf.add(tf.randomUniform(maskShape, 0, 1, 'float32', rng.seed()), 1 - p));
    return tf.mul(x, tf.div(keep, 1 - p));
  });
}

/** `nn.Dropout(p)`: each element independently. */
export class Dropout extends Module implements Layer {
  constructor(readonly p = 0.5) {
    super();
    checkRate(p, 'Dropout');
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.training && this.p > 0 ? dropSlices(x, this.p, x.shape) : x;
  }
}

/** `nn.Dropout2d(p)`: whole channels of x [B, H, W, C] per sample. */
export class Dropout2d extends Module implements Layer {
  constructor(readonly p = 0.5) {
    super();
    checkRate(p, 'Dropout2d');
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return dropSlices(x, this.p, x.shape.map((s, i) => (i === 0 || i === x.rank - 1 ? s : 1)));
  }
}

/** Stochastic depth (timm's `DropPath`): drops a sample's whole residual branch with probability p. */
export class DropPath extends Module implements Layer {
  constructor(readonly p = 0) {
    super();
    checkRate(p, 'DropPath');
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return dropSlices(x, this.p, x.shape.map((s, i) => (i === 0 ? s : 1)));
  }
}
