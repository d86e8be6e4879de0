/**
 * Label conventions, as mmseg applies them when annotations are loaded: `reduce_zero_label` (0 -> ignore, every
 * other label -1, so 255 stays 255), then `label_map` (old id -> new id), then the check that every value is a
 * class id or ignore_index. Both mappings act on uint8 values, so they are one 256-entry lookup table.
 */
import { LabelValueError } from './errors.js';
import type { DatasetMeta, LabelMap } from './types.js';

/** The table `value -> label` of reduce_zero_label followed by label_map. */
export function labelLut(reduceZeroLabel: boolean, labelMap?: Record<number, number>): Uint8Array {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    // mmseg: seg[seg == 0] = 255; seg = seg - 1; seg[seg == 254] = 255
    const reduced = reduceZeroLabel ? (v === 0 || v === 255 ? 255 : v - 1) : v;
    lut[v] = labelMap?.[reduced] ?? reduced;
  }
  return lut;
}

/** `label` with every value passed through `lut` (a new map). */
export function applyLut(label: LabelMap, lut: Uint8Array): LabelMap {
  const data = new Uint8Array(label.data.length);
  for (let i = 0; i < data.length; i++) data[i] = lut[label.data[i]!]!;
  return { data, height: label.height, width: label.width };
}

/** Pixel count of each value 0..255. */
export function histogram(data: Uint8Array): Float64Array {
  const counts = new Float64Array(256);
  for (let i = 0; i < data.length; i++) counts[data[i]!]!++;
  return counts;
}

/** The values present in `counts` that are neither class ids (< numClasses) nor ignoreIndex, ascending. */
export function invalidValues(counts: Float64Array, numClasses: number, ignoreIndex: number): number[] {
  const values: number[] = [];
  for (let v = numClasses; v < 256; v++) if (counts[v]! > 0 && v !== ignoreIndex) values.push(v);
  return values;
}

/**
 * The error for label values that are not class ids, naming the file, the values and the settings to check:
 * `ADE_x.png: label value 150 is not a class id (0..149) nor ignore_index 255 — reduce_zero_label (now true)? label_map?`
 */
export function labelValueError(
  file: string,
  values: readonly number[],
  meta: DatasetMeta,
  reduceZeroLabel: boolean,
): LabelValueError {
  const n = meta.classes.length;
  const shown = values.length > 12 ? `${values.slice(0, 12).join(', ')}, ... (${values.length} values)` : values.join(', ');
  const what = values.length === 1 ? `label value ${shown} is not a class id` : `label values ${shown} are not class ids`;
  const hint = `reduce_zero_label (now ${reduceZeroLabel})? label_map? ${n} classes in metainfo.classes?`;
  return new LabelValueError(file, values, `${what} (0..${n - 1}) nor ignore_index ${meta.ignoreIndex} — ${hint}`);
}

/** Throw a LabelValueError if `label` (already mapped) holds a value that is neither a class id nor ignore_index. */
export function checkLabelValues(file: string, label: LabelMap, meta: DatasetMeta, reduceZeroLabel: boolean): void {
  const values = invalidValues(histogram(label.data), meta.classes.length, meta.ignoreIndex);
  if (values.length > 0) throw labelValueError(file, values, meta, reduceZeroLabel);
}

/** `label` scaled to height x width by nearest neighbour (label maps must never be interpolated). */
export function resizeNearest(label: LabelMap, height: number, width: number): LabelMap {
  const data = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(label.height - 1, Math.floor(((y + 0.5) * label.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(label.width - 1, Math.floor(((x + 0.5) * label.width) / width));
      data[y * width + x] = label.data[sy * label.width + sx]!;
    }
  }
  return { data, height, width };
}
