/**
 * D-Former's token groups (github kkk55596/D-Former, model.py `DFormerBlock3D.forward_part1`): multi-head
 * self-attention (its `Attention` is timm's, lib/backbones/vit.ts) runs inside groups of tokens of a [B, D, H, W, C]
 * volume, without position bias.
 * - LS-MSA (local): the volume, zero-padded to multiples of the group size (Gd, Gh, Gw), is cut into contiguous
 *   Gd×Gh×Gw groups.
 * - GS-MSA (global, dilated): the volume is zero-padded to multiples of the stage's interval, and each group holds the
 *   tokens sharing one position modulo the dilation (Id, Ih, Iw) = (Dp/Gd, Hp/Gh, Wp/Gw): a group spans the whole
 *   volume with stride I.
 * - A volume whose H is below Gh is one local group (the official code checks H only).
 * Padded tokens take part as queries; as keys they get −1e6, except in GS-MSA when only D was padded: the official
 * code builds the mask there only if H or W was padded. Both quirks are kept.
 * Where the official code divides by zero (a dilated axis shorter than its group, Iw = Wp // Gw = 0) that axis is one
 * group of stride 1 here; sizes whose groups do not tile the padded axis, where the official reshape fails, are an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { view } from '../nn/index.js';

type Triple = [number, number, number];

/** The official NEG_INF added to the logits of padded keys. */
const NEG_INF = -1e6;

/** How one block groups a [B, D, H, W, C] volume. */
export interface Grouping {
  dilated: boolean;
  /** Zeros added at the end of D, H and W. */
  pad: Triple;
  /** Tokens per group along D, H, W (their product is the group length N). */
  group: Triple;
  /** Local: groups along each axis; dilated: the stride (Id, Ih, Iw) between a group's tokens. */
  count: Triple;
  /** Whether padded keys are masked. */
  masked: boolean;
}

const padTo = (n: number, m: number) => (m - (n % m)) % m;

/** The grouping of a D×H×W volume by a block with `groupSize`, in dilated (GS-MSA) or local mode. */
export function grouping(size: Triple, groupSize: Triple, interval: number, dilated: boolean, where: string): Grouping {
  if (size[1] < groupSize[1]) return { dilated: false, pad: [0, 0, 0], group: [...size], count: [1, 1, 1], masked: false };
  const multiple: Triple = dilated ? [interval, interval, interval] : groupSize;
  const pad = size.map((n, i) => padTo(n, multiple[i])) as Triple;
  const padded = size.map((n, i) => n + pad[i]) as Triple;
  if (!dilated) {
    return { dilated, pad, group: groupSize, count: padded.map((p, i) => p / groupSize[i]) as Triple, masked: pad.some((p) => p > 0) };
  }
  const count = padded.map((p, i) => Math.max(1, Math.floor(p / groupSize[i]))) as Triple;
  const group = padded.map((p, i) => Math.floor(p / count[i])) as Triple;
  group.forEach((g, i) => {
    if (g * count[i] !== padded[i]) {
      throw new Error(
        `${where}: GS-MSA cannot group a ${size.join('×')} volume (padded to ${padded.join('×')}, a multiple of the interval ` +
          `${interval}): dilation ${count[i]} does not tile axis ${'DHW'[i]} of ${padded[i]}; use an input whose token grid ` +
          'halves to multiples of the group size at every stage',
      );
    }
  });
  return { dilated, pad, group, count, masked: pad[1] > 0 || pad[2] > 0 };
}

/** [B, Dp, Hp, Wp, C] -> groups [B·nG, N, C], groups batch-major. */
export function partition(x: tf.Tensor5D, g: Grouping): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, , , , c] = x.shape;
    const [gd, gh, gw] = g.group;
    const [nd, nh, nw] = g.count;
    const n = gd * gh * gw;
    if (g.dilated) {
      // [B, Gd, Id, Gh, Ih, Gw, Iw, C] -> [B, Id, Ih, Iw, Gd, Gh, Gw, C]
      const split = view(x, [b, gd, nd, gh, nh, gw, nw, c]);
      return view(tf.transpose(split, [0, 2, 4, 6, 1, 3, 5, 7]), [b * nd * nh * nw, n, c]);
    }
    // [B·nD, Gd, nH, Gh, nW, Gw·C] -> [B·nD, nH, nW, Gd, Gh, Gw·C]
    const split = view(x, [b * nd, gd, nh, gh, nw, gw * c]);
    return view(tf.transpose(split, [0, 2, 4, 1, 3, 5]), [b * nd * nh * nw, n, c]);
  });
}

/** Inverse of `partition`: groups [B·nG, N, C] -> [B, Dp, Hp, Wp, C]. */
export function unpartition(groups: tf.Tensor3D, b: number, g: Grouping): tf.Tensor5D {
  return tf.tidy(() => {
    const c = groups.shape[2];
    const [gd, gh, gw] = g.group;
    const [nd, nh, nw] = g.count;
    const shape: [number, number, number, number, number] = [b, gd * nd, gh * nh, gw * nw, c];
    if (g.dilated) {
      const split = view(groups, [b, nd, nh, nw, gd, gh, gw, c]);
      return view(tf.transpose(split, [0, 4, 1, 5, 2, 6, 3, 7]), shape);
    }
    const split = view(groups, [b * nd, nh, nw, gd, gh, gw * c]);
    return view(tf.transpose(split, [0, 3, 1, 4, 2, 5]), shape);
  });
}

/** The additive key mask [nG, 1, N] of a grouping of a D×H×W volume: NEG_INF on padded tokens (any axis), else 0. */
export function keyMask(size: Triple, g: Grouping): tf.Tensor3D {
  return tf.tidy(() => {
    const padded = size.map((n, i) => n + g.pad[i]);
    const flags = new Float32Array(padded[0] * padded[1] * padded[2]);
    let i = 0;
    for (let d = 0; d < padded[0]; d++) {
      for (let h = 0; h < padded[1]; h++) {
        for (let w = 0; w < padded[2]; w++) flags[i++] = d >= size[0] || h >= size[1] || w >= size[2] ? NEG_INF : 0;
      }
    }
    const groups = partition(tf.tensor5d(flags, [1, padded[0], padded[1], padded[2], 1]), g);
    return view(groups, [groups.shape[0], 1, groups.shape[1]]) as tf.Tensor3D;
  });
}
