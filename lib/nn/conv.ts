/**
 * Convolutions with PyTorch's arguments and semantics on channels-last tensors:
 * symmetric `padding` (or 'same' / 'valid'), `stride`, `dilation`, `groups`, `bias`.
 * Weights are `[...k, in/groups, out]` here (`[out, in/groups, ...k]` in PyTorch checkpoints).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from './module.js';
import { defaultUniform } from './init.js';
import { view } from './view.js';
import { add } from './add.js';

export type Tuple<N extends number> = N extends 2 ? [number, number] : [number, number, number];
export type ConvPadding<N extends number> = number | Tuple<N> | 'same' | 'valid';

export interface ConvOptions<N extends 2 | 3> {
  stride?: number | Tuple<N>;
  padding?: ConvPadding<N>;
  dilation?: number | Tuple<N>;
  groups?: number;
  bias?: boolean;
}

function tuple<N extends 2 | 3>(v: number | number[], n: N, what: string): Tuple<N> {
  const t = typeof v === 'number' ? new Array(n).fill(v) : [...v];
  if (t.length !== n || t.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new Error(`${what} must be a non-negative integer or ${n} of them, got ${JSON.stringify(v)}`);
  }
  return t as Tuple<N>;
}

/** PyTorch's padding as [before, after] per spatial axis. 'same' puts the odd pixel after, as PyTorch. */
function paddingAmounts(padding: ConvPadding<2 | 3>, kernel: number[], dilation: number[]): [number, number][] {
  if (padding === 'valid') return kernel.map(() => [0, 0]);
  if (padding === 'same') {
    return kernel.map((k, i) => {
      const total = dilation[i] * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  return tuple(padding, kernel.length as 2 | 3, 'padding').map((p) => [p, p]);
}

/**
 * Dilated stride-1 convolution through space-to-batch (tfjs has no gradient for dilated convs):
 * every `rate`-th pixel forms its own image, each is convolved densely, and the results are interleaved back.
 * x is already padded; `conv` runs a dense 'valid' convolution.
 */
function atrous(x: tf.Tensor, rates: number[], kernel: number[], conv: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const spatial = x.shape.slice(1, -1);
  const extra = spatial.map((s, i) => (rates[i] - (s % rates[i])) % rates[i]);
  const blocks = tf.spaceToBatchND(x, rates, extra.map((e) => [0, e]));
  const y = conv(blocks);
  const out = tf.batchToSpaceND(y, rates, extra.map((e) => [0, e]));
  // Each block contributes (s+e)/r - k + 1 rows; interleaved that is s + e - r(k-1): crop back to s - r(k-1).
  const want = spatial.map((s, i) => s - rates[i] * (kernel[i] - 1));
  return tf.slice(out, new Array(out.rank).fill(0), [-1, ...want, -1]);
}

function strided(y: tf.Tensor, stride: number[]): tf.Tensor {
  if (stride.every((s) => s === 1)) return y;
  return tf.stridedSlice(y, new Array(y.rank).fill(0), y.shape, [1, ...stride, 1]);
}

/** Shared machinery of Conv2d and Conv3d. */
abstract class ConvNd<N extends 2 | 3> extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly kernelSize: Tuple<N>;
  readonly stride: Tuple<N>;
  readonly dilation: Tuple<N>;
  readonly groups: number;
  readonly padding: ConvPadding<N>;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | Tuple<N>,
    rank: N,
    options: ConvOptions<N>,
  ) {
    super();
    this.kernelSize = tuple(kernelSize, rank, 'kernel_size');
    this.stride = tuple(options.stride ?? 1, rank, 'stride');
    this.dilation = tuple(options.dilation ?? 1, rank, 'dilation');
    this.padding = options.padding ?? 0;
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(`in_channels ${inChannels} and out_channels ${outChannels} must be divisible by groups ${this.groups}`);
    }
    if (this.padding === 'same' && this.stride.some((s) => s !== 1)) {
      throw new Error("padding='same' is not supported for strided convolutions (as in PyTorch)");
    }
    const fanIn = (inChannels / this.groups) * this.kernelSize.reduce((a, b) => a * b, 1);
    this.weight = this.addParameter(
      'weight',
      defaultUniform([...this.kernelSize, inChannels / this.groups, outChannels], fanIn),
      'conv',
    );
    if (options.bias ?? true) this.bias = this.addParameter('bias', defaultUniform([outChannels], fanIn));
  }

  /**
   * Whether the tf convolutions of this rank take 'same' padding themselves (with its gradients on every backend).
   * Padding inside the convolution saves memory in training: the padded copy of the input is not kept for the
   * backward.
   */
  protected abstract readonly padsItself: boolean;

  /** Dense, ungrouped convolution ('valid', or 'same' where `padsItself`) at stride `stride`, no dilation. */
  protected abstract denseConv(x: tf.Tensor, w: tf.Tensor, stride: number[], pad: 'valid' | 'same'): tf.Tensor;

  /** Depthwise convolution (groups = in_channels), or undefined where the rank has none. */
  protected abstract depthwiseConv(x: tf.Tensor, w: tf.Tensor, stride: number[], pad: 'valid' | 'same'): tf.Tensor | undefined;

  #groupedConv(x: tf.Tensor, stride: number[], pad: 'valid' | 'same'): tf.Tensor {
    const g = this.groups;
    if (g === 1) return this.denseConv(x, this.weight, stride, pad);
    if (g === this.inChannels) {
      // [...k, 1, C*M] -> [...k, C, M]: PyTorch's output channel c*M + m is input channel c's m-th filter.
      const w = tf.reshape(this.weight, [...this.kernelSize, g, this.outChannels / g]);
      const y = this.depthwiseConv(x, w, stride, pad);
      if (y) return y;
    }
    const xs = tf.split(x, g, -1);
    const ws = tf.split(this.weight, g, -1);
    return tf.concat(
      xs.map((xi, i) => this.denseConv(xi, ws[i], stride, pad)),
      -1,
    );
  }

  /** Whether PyTorch's padding here is TF's 'same' (stride 1, no dilation, (k-1)/2 on each side). */
  #isSame(pads: [number, number][]): boolean {
    const same = paddingAmounts('same', this.kernelSize, this.dilation);
    const plain = [...this.stride, ...this.dilation].every((v) => v === 1);
    return this.padsItself && plain && pads.every(([a, b], i) => a === same[i][0] && b === same[i][1]);
  }

  forward(x: tf.Tensor): tf.Tensor {
    const rank = this.kernelSize.length + 2;
    if (x.rank !== rank || x.shape[rank - 1] !== this.inChannels) {
      throw new Error(
        `${this.constructor.name} expects [B, ...spatial(${rank - 2}), ${this.inChannels}], got [${x.shape}]`,
      );
    }
    return tf.tidy(() => {
      const pads = paddingAmounts(this.padding, this.kernelSize, this.dilation);
      const padded = pads.some(([a, b]) => a + b > 0);
      let y: tf.Tensor;
      if (padded && this.#isSame(pads)) {
        y = this.#groupedConv(x, this.stride, 'same');
      } else {
        const xp = padded ? tf.pad(x, [[0, 0], ...pads, [0, 0]]) : x;
        if (this.dilation.every((d) => d === 1)) {
          y = this.#groupedConv(xp, this.stride, 'valid');
        } else {
          const ones = this.stride.map(() => 1);
          y = strided(atrous(xp, this.dilation, this.kernelSize, (t) => this.#groupedConv(t, ones, 'valid')), this.stride);
        }
      }
      return this.bias ? add(y, this.bias) : y;
    });
  }
}

/** `nn.Conv2d`: x [B, H, W, in] -> [B, H', W', out]. */
export class Conv2d extends ConvNd<2> {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: ConvOptions<2> = {}) {
    super(inChannels, outChannels, kernelSize, 2, options);
  }

  protected readonly padsItself = true;

  protected denseConv(x: tf.Tensor, w: tf.Tensor, stride: number[], pad: 'valid' | 'same'): tf.Tensor {
    return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride as [number, number], pad);
  }

  protected depthwiseConv(x: tf.Tensor, w: tf.Tensor, stride: number[], pad: 'valid' | 'same'): tf.Tensor {
    return tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride as [number, number], pad);
  }
}

/**
 * A 'valid' conv3d whose stride equals its kernel (patch embeddings, 1×1×1 convs) as one matrix product: each
 * non-overlapping patch [kd, kh, kw, C] flattened, times the filter [kd·kh·kw·C, out]. The same numbers as tf.conv3d,
 * and on wasm many times faster (its conv3d and their gradients are direct loops; the product runs on the GEMM).
 */
function patchwise(x: tf.Tensor5D, w: tf.Tensor5D): tf.Tensor5D {
  return tf.tidy(() => {
    const [kd, kh, kw, cin, cout] = w.shape;
    const [b, d0, h0, w0] = x.shape;
    const [d, h, wd] = [Math.floor(d0 / kd), Math.floor(h0 / kh), Math.floor(w0 / kw)];
    const cropped = d * kd === d0 && h * kh === h0 && wd * kw === w0 ? x : tf.slice(x, 0, [b, d * kd, h * kh, wd * kw, cin]);
    // [B·d, kd, h, kh, wd, kw·C] -> [B·d, h, wd, kd, kh, kw·C]
    const patches = tf.transpose(view(cropped, [b * d, kd, h, kh, wd, kw * cin]), [0, 2, 4, 1, 3, 5]);
    const flat = tf.reshape(patches, [b * d * h * wd, kd * kh * kw * cin]) as tf.Tensor2D;
    return view(tf.matMul(flat, tf.reshape(w, [kd * kh * kw * cin, cout]) as tf.Tensor2D), [b, d, h, wd, cout]);
  });
}

/** `nn.Conv3d`: x [B, D, H, W, in] -> [B, D', H', W', out]. */
export class Conv3d extends ConvNd<3> {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number, number],
    options: ConvOptions<3> = {},
  ) {
    super(inChannels, outChannels, kernelSize, 3, options);
  }

  /** conv3d pads before convolving: its gradients on wasm run on the cpu kernels, not tested with 'same'. */
  protected readonly padsItself = false;

  protected denseConv(x: tf.Tensor, w: tf.Tensor, stride: number[]): tf.Tensor {
    const [kd, kh, kw] = w.shape;
    if (kd === stride[0] && kh === stride[1] && kw === stride[2]) return patchwise(x as tf.Tensor5D, w as tf.Tensor5D);
    return tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, stride as [number, number, number], 'valid');
  }

  /**
   * tfjs has no depthwise conv3d: one depthwise conv2d per depth tap, on the depth slices it reads, summed. Each has
   * its gradients on every backend; backprop keeps kD shifted copies of x, not one per kernel tap.
   */
  protected depthwiseConv(x: tf.Tensor, w: tf.Tensor, stride: number[]): tf.Tensor {
    const [b, d, h, wd, c] = x.shape as number[];
    const [kd, kh, kw, , m] = w.shape as number[];
    const [sd, sh, sw] = stride;
    const outD = Math.floor((d - kd) / sd) + 1;
    const taps = Array.from({ length: kd }, (_, t) => {
      // [B, outD, H, W, C] -> [B·outD, H, W, C]: the depth slices tap t reads (a plain slice at stride 1: wasm's
      // strided slice is many times slower)
      const slices =
        sd === 1
          ? tf.slice(x, [0, t, 0, 0, 0], [b, outD, h, wd, c])
          : tf.stridedSlice(x, [0, t, 0, 0, 0], [b, t + (outD - 1) * sd + 1, h, wd, c], [1, sd, 1, 1, 1]);
      const filter = tf.reshape(tf.slice(w, [t, 0, 0, 0, 0], [1, kh, kw, c, m]), [kh, kw, c, m]) as tf.Tensor4D;
      return tf.depthwiseConv2d(tf.reshape(slices, [b * outD, h, wd, c]) as tf.Tensor4D, filter, [sh, sw], 'valid');
    });
    const y = taps.length === 1 ? taps[0] : tf.addN(taps);
    return view(y, [b, outD, ...y.shape.slice(1)]);
  }
}

export interface ConvTransposeOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  outputPadding?: number | [number, number];
  bias?: boolean;
}

/**
 * `nn.ConvTranspose2d` (groups 1, dilation 1): x [B, H, W, in] -> [B, H', W', out] with
 * H' = (H - 1)·stride - 2·padding + kernel + output_padding.
 * Weight is `[kh, kw, out, in]` here (`[in, out, kh, kw]` in PyTorch checkpoints).
 */
export class ConvTranspose2d extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | [number, number],
    options: ConvTransposeOptions = {},
  ) {
    super();
    this.kernelSize = tuple(kernelSize, 2, 'kernel_size');
    this.stride = tuple(options.stride ?? 1, 2, 'stride');
    this.padding = tuple(options.padding ?? 0, 2, 'padding');
    this.outputPadding = tuple(options.outputPadding ?? 0, 2, 'output_padding');
    if (this.outputPadding.some((p, i) => p >= this.stride[i])) {
      throw new Error(`output_padding ${this.outputPadding} must be smaller than stride ${this.stride}`);
    }
    // PyTorch computes fan_in from weight.size(1) = out_channels (groups 1).
    const fanIn = outChannels * this.kernelSize[0] * this.kernelSize[1];
    this.weight = this.addParameter('weight', defaultUniform([...this.kernelSize, outChannels, inChannels], fanIn), 'conv_transpose');
    if (options.bias ?? true) this.bias = this.addParameter('bias', defaultUniform([outChannels], fanIn));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`ConvTranspose2d expects [B, H, W, ${this.inChannels}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const [b, h, w] = x.shape;
      const [kh, kw] = this.kernelSize;
      const [sh, sw] = this.stride;
      const full = [(h - 1) * sh + kh, (w - 1) * sw + kw];
      let y: tf.Tensor4D = tf.conv2dTranspose(
        x,
        this.weight as tf.Tensor4D,
        [b, full[0], full[1], this.outChannels],
        this.stride,
        'valid',
      );
      // Remove `padding` before and `padding - output_padding` after; a negative removal adds zero rows (bias only).
      const after = this.padding.map((p, i) => p - this.outputPadding[i]);
      const grow = after.map((a) => Math.max(0, -a));
      if (grow[0] + grow[1] > 0) y = tf.pad(y, [[0, 0], [0, grow[0]], [0, grow[1]], [0, 0]]);
      const size = full.map((f, i) => f - this.padding[i] - after[i]);
      y = tf.slice(y, [0, this.padding[0], this.padding[1], 0], [b, size[0], size[1], this.outChannels]);
      return this.bias ? add(y, this.bias) : y;
    });
  }
}
