/**
 * Segmentation masks as pictures, as mmseg's `SegLocalVisualizer` draws them: a colour per class, the colours
 * blended over the image (legend.ts draws the legend). Imports no Node built-in: the browser runtime uses these too.
 */
import type { Image, LabelMap } from '../../datasets/types.js';
import type { Rgb } from './palettes.js';

/**
 * A 256-entry colour table for uint8 labels (r, g, b of label v at 3v) and which labels have a colour:
 * the palette's classes, and `ignoreIndex` (which wins over a class of the same id).
 */
function labelTable(palette: readonly Rgb[], ignoreIndex: number, ignoreColor: Rgb): [Uint8Array, Uint8Array] {
  const colours = new Uint8Array(256 * 3);
  const known = new Uint8Array(256);
  palette.slice(0, 256).forEach((c, v) => {
    colours.set(c, 3 * v);
    known[v] = 1;
  });
  if (ignoreIndex >= 0 && ignoreIndex < 256) {
    colours.set(ignoreColor, 3 * ignoreIndex);
    known[ignoreIndex] = 1;
  }
  return [colours, known];
}

/**
 * Colour a label map with a palette: uint8 RGB, class c → palette[c], `ignoreIndex` → `ignoreColor`.
 * @throws RangeError when a label is neither a class of the palette nor `ignoreIndex`, naming the value and pixel.
 */
export function colorize(
  label: LabelMap,
  palette: readonly Rgb[],
  ignoreIndex = 255,
  ignoreColor: Rgb = [0, 0, 0],
): Image {
  const { data, height, width } = label;
  const [colours, known] = labelTable(palette, ignoreIndex, ignoreColor);
  const out = new Uint8Array(height * width * 3);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!known[v]) {
      throw new RangeError(
        `label ${v} at pixel (x=${i % width}, y=${Math.floor(i / width)}) has no colour: the palette has ` +
          `${palette.length} classes and ignore_index is ${ignoreIndex} (num_classes or reduce_zero_label wrong?)`,
      );
    }
    out.set(colours.subarray(3 * v, 3 * v + 3), 3 * i);
  }
  return { data: out, height, width, channels: 3 };
}

/** Throw unless `img` and `colored` are uint8 RGB images of one size (what `overlay` blends). */
function checkBlendable(img: Image, colored: Image): void {
  for (const [name, im] of [['image', img], ['mask', colored]] as const) {
    if (!(im.data instanceof Uint8Array) || im.channels !== 3) {
      const got = `${im.data.constructor.name} with ${im.channels} channels`;
      throw new Error(`overlay: the ${name} must be uint8 RGB, got ${got}`);
    }
  }
  if (img.height !== colored.height || img.width !== colored.width) {
    throw new Error(`overlay: image is ${img.height}x${img.width} but mask is ${colored.height}x${colored.width}`);
  }
}

/**
 * Blend a colourised mask over its image as mmseg's visualiser does: uint8(img·(1 − opacity) + mask·opacity),
 * truncated as numpy's `astype(np.uint8)`. With `label` given, pixels labelled `ignoreIndex` keep the image.
 * @param opacity weight of the mask, 0 (image only) .. 1 (mask only); mmseg's `--opacity`, default 0.5.
 */
export function overlay(img: Image, colored: Image, opacity = 0.5, label?: LabelMap, ignoreIndex = 255): Image {
  checkBlendable(img, colored);
  if (!(opacity >= 0 && opacity <= 1)) throw new RangeError(`overlay: opacity must be in [0, 1], got ${opacity}`);
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const keep = label !== undefined && label.data[Math.floor(i / 3)] === ignoreIndex;
    out[i] = keep ? img.data[i] : Math.trunc(img.data[i] * (1 - opacity) + colored.data[i] * opacity);
  }
  return { data: out, height: img.height, width: img.width, channels: 3 };
}

/** The label values that occur in a map, ascending (e.g. the `present` classes of a legend). */
export function labelsPresent(label: LabelMap): number[] {
  const seen = new Uint8Array(256);
  for (const v of label.data) seen[v] = 1;
  return [...seen.keys()].filter((v) => seen[v]);
}
