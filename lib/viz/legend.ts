/** A legend of class colours and names, as mmseg's visualiser draws it, rendered from SVG (Node: sharp). */
import type { Image } from '../../datasets/types.js';
import type { Rgb } from './palettes.js';
import { escapeXml, svgDocument, svgToImage } from './svg.js';

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
