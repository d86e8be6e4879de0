/**
 * Class names and palettes of a dataset, resolved as mmseg's BaseSegDataset does: the format's METAINFO, replaced
 * by the config's `metainfo`; choosing a subset of a format's classes maps the others to ignore (`label_map`).
 */
import { randomPalette, type Rgb } from '../lib/viz/palettes.js';

export type { Rgb };

/** mmseg's metainfo: class names (index = class id) and one RGB colour per class. */
export interface Metainfo {
  classes?: readonly string[];
  palette?: readonly Rgb[];
}

/** What a dataset's labels mean once its metainfo and label_map options are applied. */
export interface ResolvedClasses {
  classes: string[];
  palette: Rgb[];
  labelMap?: Record<number, number>;
}

/** mmseg's get_label_map: old class id -> id in `chosen`, or 255 for the classes left out. */
export function subsetLabelMap(all: readonly string[], chosen: readonly string[], ignoreIndex: number): Record<number, number> {
  const unknown = chosen.filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    const names = unknown.map((c) => `'${c}'`).join(', ');
    throw new Error(`metainfo.classes: ${names} not among the dataset's classes (${all.join(', ')})`);
  }
  return Object.fromEntries(all.map((name, id) => [id, chosen.includes(name) ? chosen.indexOf(name) : ignoreIndex]));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/**
 * The classes, palette and label map of a dataset of format `format` configured with `metainfo` and `labelMap`.
 * A format without classes (a custom folder dataset) needs `metainfo.classes`.
 */
export function resolveClasses(
  format: Metainfo,
  metainfo: Metainfo | undefined,
  labelMap: Record<number, number> | undefined,
  ignoreIndex: number,
): ResolvedClasses {
  const classes = metainfo?.classes ?? format.classes;
  if (classes === undefined || classes.length === 0) {
    throw new Error('metainfo.classes is required: the class names, index = class id');
  }
  const subset = format.classes !== undefined && metainfo?.classes !== undefined && !sameList(format.classes, classes);
  const derived = subset ? subsetLabelMap(format.classes!, classes, ignoreIndex) : undefined;
  if (derived !== undefined && labelMap !== undefined) {
    throw new Error('give either metainfo.classes (a subset of the dataset classes) or label_map, not both');
  }
  return { classes: [...classes], palette: palette(format, metainfo, classes), labelMap: derived ?? labelMap };
}

function palette(format: Metainfo, metainfo: Metainfo | undefined, classes: readonly string[]): Rgb[] {
  if (metainfo?.palette !== undefined) {
    if (metainfo.palette.length !== classes.length) {
      throw new Error(`metainfo.palette has ${metainfo.palette.length} colours for ${classes.length} classes`);
    }
    return metainfo.palette.map((c) => [...c] as Rgb);
  }
  if (format.palette !== undefined && format.classes !== undefined) {
    const colours = format.palette;
    return classes.map((name) => [...colours[format.classes!.indexOf(name)]!] as Rgb);
  }
  return randomPalette(classes.length);
}
