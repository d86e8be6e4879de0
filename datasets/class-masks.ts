/**
 * Annotations stored as one binary mask per class (CelebAMask-HQ's `00000_skin.png`, `00000_hair.png`, ...). Such an
 * annotation path is a template holding `{class}`; the masks that exist are merged into one label map in class
 * order, class i (from 1) where its mask is set, later classes overwriting earlier ones, 0 (background) elsewhere.
 */
import { existsSync } from 'node:fs';
import { DataFileError } from './errors.js';
import { readMask } from './io.js';
import type { LabelMap } from './types.js';

export const CLASS_PLACEHOLDER = '{class}';

export function isClassMaskTemplate(path: string): boolean {
  return path.includes(CLASS_PLACEHOLDER);
}

/** The mask file of each class but background (index 0): `[id, path]`, in class order. */
export function classMaskPaths(template: string, classes: readonly string[]): [number, string][] {
  return classes.slice(1).map((name, i) => [i + 1, template.replaceAll(CLASS_PLACEHOLDER, name)]);
}

/** Whether at least one mask of `template` exists. */
export function classMasksExist(template: string, classes: readonly string[]): boolean {
  return classMaskPaths(template, classes).some(([, path]) => existsSync(path));
}

/** The label map merged from the masks of `template` that exist (at least one must). */
export async function readClassMasks(template: string, classes: readonly string[]): Promise<LabelMap> {
  let merged: LabelMap | undefined;
  for (const [id, path] of classMaskPaths(template, classes)) {
    if (!existsSync(path)) continue;
    const mask = await readMask(path);
    merged ??= { data: new Uint8Array(mask.data.length), height: mask.height, width: mask.width };
    if (mask.height !== merged.height || mask.width !== merged.width) {
      throw new DataFileError(path, `mask is ${mask.width}x${mask.height}, the other masks ${merged.width}x${merged.height}`);
    }
    for (let p = 0; p < mask.data.length; p++) if (mask.data[p] !== 0) merged.data[p] = id;
  }
  if (merged === undefined) throw new DataFileError(template, 'no mask of any class exists');
  return merged;
}
