/**
 * Segmentation masks as pictures, as mmseg's `SegLocalVisualizer` draws them: a colour per class, the colours
 * blended over the image, and a legend of the classes shown.
 */
import type { Image, LabelMap } from '../../datasets/types.js';
import type { Rgb } from './palettes.js';
import { escapeXml, svgDocument, svgToImage } from './svg.js';

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

const LEGEND = {
  fontSize: 14,
  rowHeight: 22,
  swatch: 16,
  padding: 10,
  /** Gap between a swatch and its text. */
  gap: 8,
  /** Gap between two columns. */
  columnGap: 24,
  /** A column holds at most this many classes; more classes make more columns. */
  maxRows: 30,
  /** Width of one character of the label font, in font sizes; generous for DejaVu Sans (about 0.55 on average). */
  charWidth: 0.62,
};

/** One legend entry in SVG at (x, y): a swatch, the class id in grey and the class name. */
function legendEntry(x: number, y: number, id: number, name: string, colour: Rgb): string {
  const { swatch, gap, rowHeight, fontSize } = LEGEND;
  const top = y + (rowHeight - swatch) / 2;
  const baseline = y + rowHeight / 2 + fontSize * 0.35;
  return (
    `<rect x="${x + 0.5}" y="${top + 0.5}" width="${swatch - 1}" height="${swatch - 1}" ` +
    `fill="rgb(${colour.join(',')})" stroke="#808080" stroke-width="1"/>` +
    `<text x="${x + swatch + gap}" y="${baseline}" font-size="${fontSize}" fill="#202020">` +
    `<tspan fill="#808080">${id}</tspan> ${escapeXml(name)}</text>`
  );
}

/** Estimated pixel width of an entry whose label text is `text`. */
function entryWidth(text: string): number {
  return LEGEND.swatch + LEGEND.gap + Math.ceil(text.length * LEGEND.charWidth * LEGEND.fontSize);
}

/** The class ids a legend shows: those of `present` that are classes (unique, ascending), or every class. */
function shownIds(classCount: number, present?: readonly number[]): number[] {
  if (!present) return Array.from({ length: classCount }, (_, c) => c);
  return [...new Set(present)].filter((c) => c >= 0 && c < classCount).sort((a, b) => a - b);
}

/** Ids split into the fewest columns of at most `LEGEND.maxRows`, balanced in length. */
function legendColumns(ids: number[]): number[][] {
  const rows = Math.ceil(ids.length / Math.ceil(ids.length / LEGEND.maxRows));
  const columns: number[][] = [];
  for (let start = 0; start < ids.length; start += rows) columns.push(ids.slice(start, start + rows));
  return columns;
}

/**
 * A legend of class colours and names (id in grey, then the name), in columns of at most 30, rendered from SVG
 * with sharp; uint8 RGB, sized to its content.
 * @param present class ids to show, e.g. `labelsPresent(prediction)`; ids that are no class (such as 255) are
 *   left out. Default: every class.
 */
export async function legend(
  classes: readonly string[],
  palette: readonly Rgb[],
  present?: readonly number[],
): Promise<Image> {
  if (palette.length < classes.length) {
    throw new Error(`legend: ${classes.length} classes but only ${palette.length} palette colours`);
  }
  const { padding, rowHeight, columnGap, fontSize } = LEGEND;
  const columns = legendColumns(shownIds(classes.length, present));
  if (columns.length === 0) {
    const text = `<text x="${padding}" y="${padding + 15}" font-size="${fontSize}" fill="#808080">no classes</text>`;
    return svgToImage(svgDocument(120, 2 * padding + rowHeight, text));
  }
  const parts: string[] = [];
  let x = padding;
  for (const column of columns) {
    column.forEach((c, r) => parts.push(legendEntry(x, padding + r * rowHeight, c, classes[c], palette[c])));
    x += Math.max(...column.map((c) => entryWidth(`${c} ${classes[c]}`))) + columnGap;
  }
  const width = x - columnGap + padding;
  return svgToImage(svgDocument(width, 2 * padding + columns[0].length * rowHeight, parts.join('\n')));
}
