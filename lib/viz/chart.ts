/**
 * Line charts as PNG without a browser (training loss, validation metrics in the work dir): an SVG with axes,
 * nice ticks, gridlines and a legend, rasterised by sharp.
 */
import { escapeXml, svgDocument, svgToPng } from './svg.js';
import { linearAxis, logAxis, type Axis } from './ticks.js';

/** One line: a name for the legend and its [x, y] points; points with a NaN / null coordinate are skipped. */
export interface Series {
  name: string;
  points: readonly (readonly [number | null, number | null])[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Pixels; default 800 × 450. */
  width?: number;
  height?: number;
  /** Log-10 y axis (losses over many decades); points with y ≤ 0 are skipped then. */
  logY?: boolean;
}

/** Line colours in order: matplotlib's default cycle (Tableau 10). */
const COLOURS = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];
const FONT = { title: 16, label: 13, tick: 12, legend: 12 };
/** Width of a character in font sizes: a generous estimate for DejaVu Sans, used for layout only. */
const CHAR_WIDTH = 0.62;
/** Room left of the first and right of the last x value, as a fraction of the x range (matplotlib's 5 %). */
const X_MARGIN = 0.05;
/** Series with at most this many points also get a dot at each point (e.g. validation every N iterations). */
const MAX_MARKED_POINTS = 50;

/** A rectangle in pixels. */
interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Pixel width of a text at a font size, estimated. */
function textWidth(text: string, fontSize: number): number {
  return Math.ceil(text.length * CHAR_WIDTH * fontSize);
}

/** The points of a series that can be drawn: finite coordinates, and y > 0 on a log axis. */
function drawable(series: Series, logY: boolean): [number, number][] {
  const ok = (v: number | null): v is number => v !== null && Number.isFinite(v);
  return series.points
    .filter(([x, y]) => ok(x) && ok(y) && (!logY || y > 0))
    .map(([x, y]) => [x as number, y as number]);
}

/** Maps values of an axis to pixels along [from, to] (to < from for y, which grows upwards). */
function scale(axis: Axis, from: number, to: number, log: boolean): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const [a, b] = axis.domain.map(f);
  return (v) => from + ((f(v) - a) / (b - a)) * (to - from);
}

/** Legend entries laid out in rows that fit `width`: [x offset, row] per series. */
function legendLayout(names: readonly string[], width: number): [number, number][] {
  const places: [number, number][] = [];
  let [x, row] = [0, 0];
  for (const name of names) {
    const w = 30 + textWidth(name, FONT.legend) + 18;
    if (x > 0 && x + w > width) [x, row] = [0, row + 1];
    places.push([x, row]);
    x += w;
  }
  return places;
}

/** The legend: a short line in each series' colour and its name, at `places` from (left, top). */
function legendSvg(names: readonly string[], places: [number, number][], left: number, top: number): string {
  return names
    .map((name, i) => {
      const x = left + places[i][0];
      const y = top + places[i][1] * 18 + 9;
      const colour = COLOURS[i % COLOURS.length];
      return (
        `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${colour}" stroke-width="2.5"/>` +
        `<text x="${x + 30}" y="${y + 4}" font-size="${FONT.legend}" fill="#202020">${escapeXml(name)}</text>`
      );
    })
    .join('\n');
}

/** Gridlines and tick labels of both axes, and the frame of the plot area. */
function axesSvg(box: Box, x: Axis, y: Axis, px: (v: number) => number, py: (v: number) => number): string {
  const right = box.left + box.width;
  const bottom = box.top + box.height;
  const parts = x.ticks.map(
    (t) =>
      `<line x1="${px(t)}" y1="${box.top}" x2="${px(t)}" y2="${bottom}" stroke="#e4e4e4"/>` +
      `<text x="${px(t)}" y="${bottom + 6 + FONT.tick}" font-size="${FONT.tick}" text-anchor="middle" ` +
      `fill="#404040">${x.label(t)}</text>`,
  );
  for (const t of y.ticks) {
    parts.push(
      `<line x1="${box.left}" y1="${py(t)}" x2="${right}" y2="${py(t)}" stroke="#e4e4e4"/>` +
        `<text x="${box.left - 6}" y="${py(t) + FONT.tick * 0.35}" font-size="${FONT.tick}" text-anchor="end" ` +
        `fill="#404040">${y.label(t)}</text>`,
    );
  }
  const { left, top, width, height } = box;
  parts.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#404040"/>`);
  return parts.join('\n');
}

/** One series as a polyline, with a dot per point when it has few points. */
function seriesSvg(
  points: [number, number][],
  colour: string,
  px: (v: number) => number,
  py: (v: number) => number,
): string {
  const xy = points.map(([x, y]) => `${px(x).toFixed(2)},${py(y).toFixed(2)}`);
  const line =
    `<polyline points="${xy.join(' ')}" fill="none" stroke="${colour}" stroke-width="2" ` +
    `stroke-linejoin="round"/>`;
  if (points.length > MAX_MARKED_POINTS) return line;
  const dots = xy.map((p) => {
    const [cx, cy] = p.split(',');
    return `<circle cx="${cx}" cy="${cy}" r="3" fill="${colour}"/>`;
  });
  return [line, ...dots].join('\n');
}

/**
 * Render a line chart to PNG bytes (8-bit RGB, `width` × `height`).
 * The x axis spans the data with a 5 % margin; the y axis (linear or log-10) is widened to whole ticks.
 */
export async function lineChart(options: LineChartOptions): Promise<Buffer> {
  const { title, xLabel, yLabel, series, width = 800, height = 450, logY = false } = options;
  const points = series.map((s) => drawable(s, logY));
  const x = linearAxis(points.flat().map((p) => p[0]), 6, X_MARGIN);
  const y = logY ? logAxis(points.flat().map((p) => p[1])) : linearAxis(points.flat().map((p) => p[1]));
  const names = series.map((s) => s.name);
  const tickWidth = Math.max(...y.ticks.map((t) => textWidth(y.label(t), FONT.tick)));
  const left = 12 + FONT.label + 10 + tickWidth + 8;
  const places = legendLayout(names, width - left - 24);
  const legendRows = names.length ? places[places.length - 1][1] + 1 : 0;
  const legendTop = 12 + FONT.title + 10;
  const top = legendTop + legendRows * 18 + 10;
  const box = { left, top, width: width - left - 24, height: height - top - (FONT.tick + FONT.label + 26) };
  const px = scale(x, box.left, box.left + box.width, false);
  const py = scale(y, box.top + box.height, box.top, logY);
  const body = [
    axesSvg(box, x, y, px, py),
    ...points.map((p, i) => seriesSvg(p, COLOURS[i % COLOURS.length], px, py)),
    `<text x="${width / 2}" y="${12 + FONT.title}" font-size="${FONT.title}" font-weight="bold" text-anchor="middle" ` +
      `fill="#202020">${escapeXml(title)}</text>`,
    `<text x="${box.left + box.width / 2}" y="${height - 10}" font-size="${FONT.label}" text-anchor="middle" ` +
      `fill="#202020">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(${12 + FONT.label} ${box.top + box.height / 2}) rotate(-90)" ` +
      `font-size="${FONT.label}" text-anchor="middle" fill="#202020">${escapeXml(yLabel)}</text>`,
    legendSvg(names, places, box.left, legendTop),
  ];
  return svgToPng(svgDocument(width, height, body.join('\n')));
}
