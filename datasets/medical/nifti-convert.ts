/**
 * One image volume and its label volume (any NIfTI pair on one grid) in TransUNet's 2D layout, for data that is not
 * Synapse: source labels grouped into named regions, intensities scaled to [0, 1], and slabs of axial slices held
 * out as test volumes, with `gap` slices on each side of a slab kept out of training (neighbouring slices are nearly
 * the same image).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNifti } from './nifti.js';
import { mappedLabels, SliceLayoutWriter, windowed, type LayoutSummary } from './slice-layout.js';

export interface NiftiSlicesOptions {
  image: string;
  label: string;
  out: string;
  /** The case name, prefix of every file. */
  name: string;
  /** Region name -> the source labels it groups; class ids follow the order, after background (0). */
  regions: Record<string, number[]>;
  /** Held-out slabs [from, to) of axial (axis-0) slices. */
  testSlabs: [number, number][];
  gap: number;
  /** Intensity window; absent: the image's minimum and maximum. */
  window?: [number, number];
}

/** The classes of `regions`: background first. */
export function regionClasses(regions: Record<string, number[]>): string[] {
  return ['background', ...Object.keys(regions)];
}

export function regionMap(regions: Record<string, number[]>): Map<number, number> {
  const map = new Map<number, number>();
  Object.values(regions).forEach((labels, i) => {
    for (const label of labels) {
      if (map.has(label)) throw new Error(`regions: label ${label} is in two regions`);
      map.set(label, i + 1);
    }
  });
  return map;
}

function range(data: ArrayLike<number>): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (let i = 0; i < data.length; i++) [lo, hi] = [Math.min(lo, data[i]!), Math.max(hi, data[i]!)];
  return [lo, hi];
}

/** Convert; the classes are also written to `out`/classes.json (the config's metainfo.classes). */
export async function convertNiftiSlices(o: NiftiSlicesOptions): Promise<LayoutSummary & { classes: string[] }> {
  const [image, label] = [await readNifti(o.image), await readNifti(o.label)];
  if (image.shape.join() !== label.shape.join()) {
    throw new Error(`${o.image} is [${image.shape.join(', ')}] but ${o.label} is [${label.shape.join(', ')}]`);
  }
  const shape = image.shape as [number, number, number];
  const [d, h, w] = shape;
  for (const [from, to] of o.testSlabs) {
    if (!(from >= 0 && from < to && to <= d)) throw new Error(`test slab ${from}:${to} is not within the ${d} axial slices`);
  }
  const pixels = (a: Float32Array | Uint8Array, [from, to]: [number, number]) => a.subarray(from * h * w, to * h * w);
  const scaled = windowed(image.data, o.window ?? range(image.data));
  const labels = mappedLabels(label.data, regionMap(o.regions));
  const writer = new SliceLayoutWriter(o.out);
  const near = (z: number) => o.testSlabs.some(([from, to]) => z >= from - o.gap && z < to + o.gap);
  await writer.add({ name: o.name, split: 'train', shape, image: scaled, label: labels, skip: near });
  for (const slab of o.testSlabs) {
    const name = `${o.name}_z${String(slab[0]).padStart(3, '0')}-${String(slab[1] - 1).padStart(3, '0')}`;
    const slabShape: [number, number, number] = [slab[1] - slab[0], h, w];
    await writer.add({ name, split: 'test', shape: slabShape, image: pixels(scaled, slab) as Float32Array, label: pixels(labels, slab) as Uint8Array });
  }
  const classes = regionClasses(o.regions);
  writeFileSync(join(o.out, 'classes.json'), `${JSON.stringify({ classes }, null, 1)}\n`);
  return { ...writer.finish(), classes };
}
