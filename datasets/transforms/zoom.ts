/**
 * scipy.ndimage.zoom as TransUNet resizes Synapse slices (`zoom(image, (224 / x, 224 / y), order=3)`, labels with
 * order 0): output sample k of an axis reads input coordinate k · (n_in − 1) / (n_out − 1) (scipy's default
 * grid_mode=False, corners aligned), and the value there is a B-spline of `order` through the samples. Order 3
 * first turns the samples into spline coefficients (scipy's prefilter, mirror boundary as its 'constant' mode uses
 * inside the array); order 1 is linear; order 0 takes the sample at floor(x + 0.5). A coordinate past the last
 * sample gives 0, as scipy's 'constant' mode: zooming 512 -> 224 leaves the last row and column 0, image and label
 * alike, in TransUNet's training data as here. Axes are separable, so the
 * image is zoomed along rows, then along columns, in float64.
 */
import { Type } from '@sinclair/typebox';
import { defineOptions, option, required, type OptionsInput } from '../../lib/config/declare.js';
import { resolveOptions } from '../../lib/config/resolve.js';
import { positiveInt } from '../../lib/config/schema-parts.js';
import { registries, type BuildContext } from '../../lib/registry.js';
import type { Sample, Transform } from '../types.js';
import { allocLike, mapRasters, type Pixels, type Raster } from './raster.js';

export type SplineOrder = 0 | 1 | 3;

const POLE = Math.sqrt(3) - 2;

/** Cubic B-spline coefficients of `c` (in place) with mirror-symmetric boundaries (scipy's spline_filter1d). */
function cubicCoefficients(c: Float64Array): void {
  const n = c.length;
  if (n === 1) return;
  const z = POLE;
  for (let i = 0; i < n; i++) c[i]! *= (1 - z) * (1 - 1 / z);
  // causal initialisation, mirror boundary
  const zn = z ** (n - 1);
  let sum = c[0]! + zn * c[n - 1]!;
  let zi = z;
  for (let i = 1; i < n - 1; i++) {
    sum += zi * (c[i]! + zn * c[n - 1 - i]!);
    zi *= z;
  }
  c[0] = sum / (1 - zn * zn);
  for (let i = 1; i < n; i++) c[i] = c[i]! + z * c[i - 1]!;
  c[n - 1] = ((z * c[n - 2]! + c[n - 1]!) * z) / (z * z - 1);
  for (let i = n - 2; i >= 0; i--) c[i] = z * (c[i + 1]! - c[i]!);
}

/** Index `i` reflected into [0, n) about the edge samples (d c b | a b c d | c b a). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const r = ((i % period) + period) % period;
  return r < n ? r : period - r;
}

/** One line of `n` samples zoomed to `m` (scipy's mapping and spline of `order`; coefficients already for order 3). */
function zoomLine(line: Float64Array, m: number, order: SplineOrder, out: Float64Array): void {
  const n = line.length;
  const step = m > 1 ? (n - 1) / (m - 1) : 0;
  for (let k = 0; k < m; k++) {
    const x = k * step;
    if (x > n - 1) {
      out[k] = 0; // scipy's 'constant' mode: k·(n−1)/(m−1) can round past the last sample (512 -> 224: the last row and column are 0)
      continue;
    }
    if (order === 0) {
      out[k] = line[Math.floor(x + 0.5)]!;
    } else if (order === 1) {
      const i = Math.min(Math.floor(x), n - 1);
      const t = x - i;
      out[k] = t === 0 ? line[i]! : line[i]! * (1 - t) + line[mirror(i + 1, n)]! * t;
    } else {
      const i = Math.floor(x);
      const t = x - i;
      const w = [(1 - t) ** 3 / 6, (4 - 6 * t * t + 3 * t ** 3) / 6, (1 + 3 * t + 3 * t * t - 3 * t ** 3) / 6, t ** 3 / 6];
      let v = 0;
      for (let j = 0; j < 4; j++) v += w[j]! * line[mirror(i - 1 + j, n)]!;
      out[k] = v;
    }
  }
}

/** `r` zoomed along one axis (0: rows, 1: columns) to `m` samples, in float64. */
function zoomAxis(data: Float64Array, [h, w, ch]: [number, number, number], axis: 0 | 1, m: number, order: SplineOrder): Float64Array {
  const [n, lines, stride] = axis === 0 ? [h, w * ch, w * ch] : [w, h * ch, ch];
  const outShape = axis === 0 ? [m, w, ch] : [h, m, ch];
  const out = new Float64Array(outShape[0]! * outShape[1]! * ch);
  const outStride = axis === 0 ? w * ch : ch;
  const [line, result] = [new Float64Array(n), new Float64Array(m)];
  for (let l = 0; l < lines; l++) {
    const [start, outStart] = axis === 0 ? [l, l] : [Math.floor(l / ch) * w * ch + (l % ch), Math.floor(l / ch) * m * ch + (l % ch)];
    for (let i = 0; i < n; i++) line[i] = data[start + i * stride]!;
    if (order === 3) cubicCoefficients(line);
    zoomLine(line, m, order, result);
    for (let k = 0; k < m; k++) out[outStart + k * outStride] = result[k]!;
  }
  return out;
}

/** `r` zoomed to outH × outW as scipy.ndimage.zoom(order) does; uint8 results are rounded and clipped as scipy casts. */
export function zoomRaster<T extends Pixels>(r: Raster<T>, outH: number, outW: number, order: SplineOrder): Raster<T> {
  const { height: h, width: w, channels: ch } = r;
  if (h === outH && w === outW) return { ...r, data: r.data.slice() as T };
  const rows = zoomAxis(Float64Array.from(r.data), [h, w, ch], 0, outH, order);
  const both = zoomAxis(rows, [outH, w, ch], 1, outW, order);
  const data = allocLike(r.data, both.length);
  if (data instanceof Uint8Array) for (let i = 0; i < both.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(both[i]!)));
  else data.set(both);
  return { data, height: outH, width: outW, channels: ch };
}

export const ZoomOptions = defineOptions('Zoom', "scipy.ndimage.zoom to `size`: the image with spline `order`, label maps nearest (TransUNet's resize)", {
  size: required(Type.Tuple([positiveInt, positiveInt]), 'output [height, width]'),
  order: option(Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(3)]), 3, 'spline order for the image: 3 cubic, 1 linear, 0 nearest'),
});
export type ZoomOptions = OptionsInput<typeof ZoomOptions>;

/** Zooms img (spline `order`), gtSegMap (order 0) and gtDepthMap (order 1) to `size`; sets imgShape and scaleFactor. */
export class Zoom implements Transform {
  readonly type = 'Zoom';
  readonly size: [number, number];
  readonly order: SplineOrder;

  constructor(options: ZoomOptions, ctx?: BuildContext) {
    const o = resolveOptions(ZoomOptions, options, ctx);
    this.size = o.size;
    this.order = o.order;
  }

  apply(sample: Sample): Sample {
    const [outH, outW] = this.size;
    const from = [sample.img?.height ?? 0, sample.img?.width ?? 0];
    const out = mapRasters(sample, this.type, (r, kind) => zoomRaster(r, outH, outW, kind === 'img' ? this.order : kind === 'seg' ? 0 : 1));
    return { ...out, imgShape: [outH, outW], scaleFactor: [outH / from[0]!, outW / from[1]!] };
  }
}

registries.transform.register('Zoom', { schema: ZoomOptions, build: (o, ctx) => new Zoom(o, ctx) });
