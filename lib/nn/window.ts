/**
 * Window maths of Swin-style attention on channels-last maps, as free functions (timm's layout):
 * partition / reverse, cyclic shift, the relative position index and the shifted-window region mask.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A window size: ws×ws, or [wh, ww] for rectangular windows (PGT's groups). */
export type WindowSize = number | [number, number];

const sides = (ws: WindowSize): [number, number] => (typeof ws === 'number' ? [ws, ws] : ws);

/**
 * [B, H, W, C] -> [B·nW, wh·ww, C], windows row-major within each image, images in batch order;
 * H and W must be multiples of the window sides.
 */
export function windowPartition(x: tf.Tensor4D, ws: WindowSize): tf.Tensor3D {
  const [b, h, w, c] = x.shape;
  const [wh, ww] = sides(ws);
  const grid = tf.reshape(x, [b, h / wh, wh, w / ww, ww, c]);
  return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [-1, wh * ww, c]);
}

/** Inverse of windowPartition: [B·nW, wh·ww, C] -> [B, H, W, C]. */
export function windowReverse(windows: tf.Tensor, ws: WindowSize, h: number, w: number): tf.Tensor4D {
  const c = windows.shape[windows.rank - 1];
  const [wh, ww] = sides(ws);
  const grid = tf.reshape(windows, [-1, h / wh, w / ww, wh, ww, c]);
  return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [-1, h, w, c]);
}

/** `torch.roll(x, shift, axis)` for one axis: element i moves to (i + shift) mod n. */
export function roll(x: tf.Tensor, shift: number, axis: number): tf.Tensor {
  const n = x.shape[axis];
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  const [head, tail] = tf.split(x, [n - s, s], axis);
  return tf.concat([tail, head], axis);
}

/**
 * Index into the relative position bias table for every (query, key) pair of a ws×ws window:
 * (Δh + ws - 1)·(2ws - 1) + (Δw + ws - 1), flattened to [ws⁴] (int32).
 */
export function relativePositionIndex(ws: number): Int32Array {
  const n = ws * ws;
  const index = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dh = Math.floor(i / ws) - Math.floor(j / ws) + ws - 1;
      const dw = (i % ws) - (j % ws) + ws - 1;
      index[i * n + j] = dh * (2 * ws - 1) + dw;
    }
  }
  return index;
}

/**
 * Attention mask of shifted windows on a padded Hp×Wp map: after the cyclic shift, tokens from different
 * regions of the original map must not attend to each other. Regions are the three bands
 * [0, Hp-ws), [Hp-ws, Hp-shift), [Hp-shift, Hp) per axis; pairs across regions get -100 (as the official
 * code, not -inf). Returns [nW, ws·ws, ws·ws].
 */
export function shiftedWindowMask(hp: number, wp: number, ws: number, shift: number): tf.Tensor3D {
  const band = (i: number, size: number) => (i < size - ws ? 0 : i < size - shift ? 1 : 2);
  const nH = hp / ws;
  const nW = wp / ws;
  const n = ws * ws;
  const mask = new Float32Array(nH * nW * n * n);
  const region = new Int32Array(n);
  for (let wi = 0; wi < nH * nW; wi++) {
    const top = Math.floor(wi / nW) * ws;
    const left = (wi % nW) * ws;
    for (let t = 0; t < n; t++) region[t] = band(top + Math.floor(t / ws), hp) * 3 + band(left + (t % ws), wp);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) if (region[i] !== region[j]) mask[(wi * n + i) * n + j] = -100;
    }
  }
  return tf.tensor3d(mask, [nH * nW, n, n]);
}

/**
 * The shifted-window masks of one window geometry, built once per padded map size (a cache of shiftedWindowMask).
 * `keep` takes ownership of each new mask (a module's `addConstant`). Returns (h, w) of the unpadded map -> mask.
 */
export function shiftedMaskCache(ws: number, shift: number, keep: (mask: tf.Tensor3D) => tf.Tensor3D): (h: number, w: number) => tf.Tensor3D {
  const masks = new Map<string, tf.Tensor3D>();
  return (h, w) => {
    const [hp, wp] = [Math.ceil(h / ws) * ws, Math.ceil(w / ws) * ws];
    const key = `${hp}x${wp}`;
    let mask = masks.get(key);
    if (!mask) {
      mask = keep(shiftedWindowMask(hp, wp, ws, shift));
      masks.set(key, mask);
    }
    return mask;
  };
}

/**
 * Swin's (shifted) window attention around `attend`, on a normalised map [B, H, W, C]: zero-pad bottom and right to
 * multiples of ws (padded tokens still serve as keys and values), roll by -shift, attend within each ws×ws window
 * (`mask`, [nW, ws², ws²] of the padded map, is passed when shift > 0), roll back and crop. Returns [B, H, W, C].
 */
export function windowedAttention(
  x: tf.Tensor4D,
  ws: number,
  shift: number,
  attend: (windows: tf.Tensor3D, mask?: tf.Tensor3D) => tf.Tensor3D,
  mask?: tf.Tensor3D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    let y: tf.Tensor = tf.pad(x, [
      [0, 0],
      [0, (ws - (h % ws)) % ws],
      [0, (ws - (w % ws)) % ws],
      [0, 0],
    ]);
    const [, hp, wp] = y.shape;
    if (shift > 0) y = roll(roll(y, -shift, 1), -shift, 2);
    y = windowReverse(attend(windowPartition(y as tf.Tensor4D, ws), shift > 0 ? mask : undefined), ws, hp, wp);
    if (shift > 0) y = roll(roll(y, shift, 1), shift, 2);
    return (hp !== h || wp !== w ? tf.slice(y, [0, 0, 0, 0], [-1, h, w, -1]) : y) as tf.Tensor4D;
  });
}
