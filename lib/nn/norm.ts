/** Normalisation layers with PyTorch's defaults (eps 1e-5, BatchNorm momentum 0.1) on channels-last tensors. */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { constant } from './init.js';
import { LAYER_NORM } from '../kernels/layer-norm.js';
import { BATCH_NORM_TRAIN } from '../kernels/batch-norm.js';
import type { CheckpointAdapter } from '../weights/adapt.js';

/** `nn.LayerNorm(normalized_shape, eps=1e-5)` over the last axis. */
export class LayerNorm extends Module implements Layer {
  readonly weight?: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(
    readonly normalizedShape: number,
    readonly eps = 1e-5,
    elementwiseAffine = true,
    bias = true,
  ) {
    super();
    if (elementwiseAffine) {
      this.weight = this.addParameter('weight', constant([normalizedShape], 1));
      if (bias) this.bias = this.addParameter('bias', constant([normalizedShape], 0));
    }
  }

  /** x: [..., C]. segvit's single-pass kernel where the backend has it (cpu, wasm), else as tf ops. */
  forward(x: tf.Tensor): tf.Tensor {
    if (this.weight && this.bias && x.dtype === 'float32' && tf.getKernel(LAYER_NORM, tf.getBackend())) {
      const [y] = tf.engine().runKernel(LAYER_NORM, { x, weight: this.weight, bias: this.bias }, { eps: this.eps }) as tf.Tensor[];
      return y;
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight) y = tf.mul(y, this.weight);
      if (this.bias) y = tf.add(y, this.bias);
      return y;
    });
  }
}

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch in the running statistics; null = cumulative average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * PyTorch's `_BatchNorm._load_from_state_dict` for state dicts from before `num_batches_tracked` existed
 * (torchvision's ImageNet ResNets, checkpoints saved without buffers): running statistics without the counter load
 * with the counter at 0.
 */
const batchNormCheckpointAdapter: CheckpointAdapter = {
  adapt(state, module) {
    if (!(module as BatchNorm).numBatchesTracked || !state.has('running_mean') || state.has('num_batches_tracked')) return state;
    return new Map([...state, ['num_batches_tracked', { dtype: 'I64', shape: [], data: new Int32Array(1) }]]);
  },
};

/**
 * Batch normalisation over every axis but the last (channels), as PyTorch's BatchNorm1d/2d/3d.
 * Training normalises with the biased batch variance and folds the unbiased one into `running_var`.
 */
class BatchNorm extends Module implements Layer {
  static override readonly checkpointAdapter = batchNormCheckpointAdapter;

  readonly weight?: tf.Variable;
  readonly bias?: tf.Variable;
  readonly runningMean?: tf.Variable;
  readonly runningVar?: tf.Variable;
  readonly numBatchesTracked?: tf.Variable;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    readonly numFeatures: number,
    readonly ranks: number[],
    options: BatchNormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (options.affine ?? true) {
      this.weight = this.addParameter('weight', constant([numFeatures], 1));
      this.bias = this.addParameter('bias', constant([numFeatures], 0));
    }
    if (options.trackRunningStats ?? true) {
      this.runningMean = this.addBuffer('running_mean', constant([numFeatures], 0));
      this.runningVar = this.addBuffer('running_var', constant([numFeatures], 1));
      this.numBatchesTracked = this.addBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.ranks.includes(x.rank) || x.shape[x.rank - 1] !== this.numFeatures) {
      throw new Error(
        `${this.constructor.name} expects rank ${this.ranks.join(' or ')} with ${this.numFeatures} channels last, got [${x.shape}]`,
      );
    }
    if (this.training && this.weight && this.bias && x.dtype === 'float32' && tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend())) {
      return this.#forwardTrainKernel(x);
    }
    return tf.tidy(() => {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (this.training || !this.runningMean || !this.runningVar) {
        ({ mean, variance } = tf.moments(x, axes));
        if (this.training && this.runningMean && this.runningVar && this.numBatchesTracked) {
          this.#updateRunningStats(mean, variance, x.size / this.numFeatures);
        }
      } else {
        mean = this.runningMean;
        variance = this.runningVar;
      }
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      if (this.weight && this.bias) y = tf.add(tf.mul(y, this.weight), this.bias);
      return y;
    });
  }

  /** Training mode with segvit's single-pass kernel (cpu, wasm): y, and the batch statistics for the running ones. */
  #forwardTrainKernel(x: tf.Tensor): tf.Tensor {
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, weight: this.weight!, bias: this.bias! }, { eps: this.eps }) as tf.Tensor[];
    if (this.runningMean && this.runningVar && this.numBatchesTracked) {
      tf.tidy(() => this.#updateRunningStats(mean, variance, x.size / this.numFeatures));
    }
    tf.dispose([mean, variance]);
    return y;
  }

  #updateRunningStats(mean: tf.Tensor, variance: tf.Tensor, n: number): void {
    const tracked = this.numBatchesTracked!;
    tracked.assign(tf.add(tracked, tf.scalar(1, 'int32')));
    const m = this.momentum ?? 1 / tracked.dataSync()[0];
    const unbiased = tf.mul(variance, n / Math.max(n - 1, 1));
    this.runningMean!.assign(tf.add(tf.mul(this.runningMean!, 1 - m), tf.mul(mean, m)));
    this.runningVar!.assign(tf.add(tf.mul(this.runningVar!, 1 - m), tf.mul(unbiased, m)));
  }
}

/** `nn.BatchNorm1d`: x [B, C] or [B, L, C]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, [2, 3], options);
  }
}

/** `nn.BatchNorm2d`: x [B, H, W, C]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, [4], options);
  }
}

/** `nn.BatchNorm3d`: x [B, D, H, W, C]. */
export class BatchNorm3d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, [5], options);
  }
}

/** `nn.GroupNorm(num_groups, num_channels, eps=1e-5)`: x [B, ...spatial, C], statistics per sample and group. */
export class GroupNorm extends Module implements Layer {
  readonly weight?: tf.Variable;
  readonly bias?: tf.Variable;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    readonly eps = 1e-5,
    affine = true,
  ) {
    super();
    if (numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm: num_channels ${numChannels} must be divisible by num_groups ${numGroups}`);
    }
    if (affine) {
      this.weight = this.addParameter('weight', constant([numChannels], 1));
      this.bias = this.addParameter('bias', constant([numChannels], 0));
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const g = this.numGroups;
      const grouped = tf.reshape(x, [x.shape[0], -1, g, this.numChannels / g]);
      const { mean, variance } = tf.moments(grouped, [1, 3], true);
      const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, this.eps)));
      let y = tf.reshape(normed, x.shape);
      if (this.weight && this.bias) y = tf.add(tf.mul(y, this.weight), this.bias);
      return y;
    });
  }
}
