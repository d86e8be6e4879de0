/**
 * OpenCV's 8-bit RGB <-> HSV conversion (cv2.COLOR_RGB2HSV / COLOR_HSV2RGB on uint8, what mmcv's bgr2hsv and
 * hsv2bgr do on uint8 images): H in 0..179 (degrees / 2), S and V in 0..255. Forward in 12-bit fixed point, back in
 * float32 with round-half-even, as OpenCV's scalar code. Data are interleaved [N, 3] uint8 arrays.
 */
import { roundHalfEven } from './interpolate.js';

const HSV_SHIFT = 12;
const HALF = 1 << (HSV_SHIFT - 1);
const f32 = Math.fround;

/** OpenCV's division tables: sdiv[v] = round(255·4096 / v), hdiv[d] = round(180·4096 / (6d)). */
const SDIV = Int32Array.from({ length: 256 }, (_, i) => (i === 0 ? 0 : roundHalfEven((255 << HSV_SHIFT) / i)));
const HDIV = Int32Array.from({ length: 256 }, (_, i) => (i === 0 ? 0 : roundHalfEven((180 << HSV_SHIFT) / (6 * i))));

/** RGB [N, 3] uint8 to OpenCV HSV [N, 3] uint8. */
export function rgbToHsv(rgb: Uint8Array): Uint8Array {
  const hsv = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i];
    const g = rgb[i + 1];
    const b = rgb[i + 2];
    const v = Math.max(r, g, b);
    const diff = v - Math.min(r, g, b);
    // Which channel is the max decides the sector: red first, then green, then blue.
    const sector = v === r ? g - b : v === g ? b - r + 2 * diff : r - g + 4 * diff;
    let h = (sector * HDIV[diff] + HALF) >> HSV_SHIFT;
    if (h < 0) h += 180;
    hsv[i] = h;
    hsv[i + 1] = (diff * SDIV[v] + HALF) >> HSV_SHIFT;
    hsv[i + 2] = v;
  }
  return hsv;
}

/** Which of [v, v(1−s), v(1−s·f), v(1−s(1−f))] are R, G, B in each 60° sector (OpenCV's sector_data). */
const SECTORS = [
  [0, 3, 1],
  [2, 0, 1],
  [1, 0, 3],
  [1, 2, 0],
  [3, 1, 0],
  [0, 1, 2],
] as const;

/** OpenCV HSV [N, 3] uint8 back to RGB [N, 3] uint8. */
export function hsvToRgb(hsv: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(hsv.length);
  const hscale = f32(6 / 180);
  for (let i = 0; i < hsv.length; i += 3) {
    const s = f32(hsv[i + 1] * f32(1 / 255));
    const v = f32(hsv[i + 2] * f32(1 / 255));
    if (s === 0) {
      rgb.fill(toUint8(v), i, i + 3);
      continue;
    }
    let h = f32(hsv[i] * hscale) % 6;
    let sector = Math.floor(h);
    h = f32(h - sector);
    if (sector < 0 || sector >= 6) [sector, h] = [0, 0];
    const tab = [v, f32(v * f32(1 - s)), f32(v * f32(1 - f32(s * h))), f32(v * f32(1 - f32(s * f32(1 - h))))];
    const [ri, gi, bi] = SECTORS[sector];
    rgb[i] = toUint8(tab[ri]);
    rgb[i + 1] = toUint8(tab[gi]);
    rgb[i + 2] = toUint8(tab[bi]);
  }
  return rgb;
}

/** saturate_cast<uchar>(x · 255.f). */
function toUint8(x: number): number {
  return Math.min(Math.max(roundHalfEven(f32(x * 255)), 0), 255);
}
