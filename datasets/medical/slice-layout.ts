/**
 * Writing volumes in TransUNet's 2D layout (what SynapseDataset reads): training volumes become one
 * `train_npz/<case>_sliceNNN.npz` per axis-0 slice, test volumes stay whole in `test_vol_h5/<case>.npy.h5`, and
 * `lists/lists_Synapse/{train.txt, test_vol.txt, all.lst}` list them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeH5 } from './h5.js';
import { writeNpz } from './npz.js';

/** One case ready to write: intensities already scaled, labels already mapped. */
export interface SliceCase {
  name: string;
  /** [D, H, W] */
  image: Float32Array;
  /** [D, H, W] class ids */
  label: Uint8Array;
  shape: [number, number, number];
  split: 'train' | 'test';
  /** Axis-0 slices of a training case to leave out (e.g. next to a held-out slab). */
  skip?: (slice: number) => boolean;
}

/** Where the lists go, relative to the output folder (TransUNet keeps them beside the data as lists/lists_Synapse). */
export const LIST_DIR = join('lists', 'lists_Synapse');

/** What was written. */
export interface LayoutSummary {
  trainSlices: number;
  testCases: number;
}

/** Writes cases one at a time, then the lists. */
export class SliceLayoutWriter {
  readonly #trainNames: string[] = [];
  readonly #testNames: string[] = [];
  readonly #cases: string[] = [];

  constructor(readonly out: string) {
    for (const dir of ['train_npz', 'test_vol_h5', LIST_DIR]) mkdirSync(join(out, dir), { recursive: true });
  }

  async add(c: SliceCase): Promise<void> {
    this.#cases.push(c.name);
    if (c.split === 'test') {
      const shape = [...c.shape];
      await writeH5(join(this.out, 'test_vol_h5', `${c.name}.npy.h5`), {
        image: { data: c.image, shape },
        label: { data: Float32Array.from(c.label), shape },
      });
      this.#testNames.push(c.name);
      return;
    }
    const [d, h, w] = c.shape;
    for (let z = 0; z < d; z++) {
      if (c.skip?.(z)) continue;
      const plane = (a: Float32Array | Uint8Array) => Float32Array.from(a.subarray(z * h * w, (z + 1) * h * w));
      const name = `${c.name}_slice${String(z).padStart(3, '0')}`;
      writeNpz(join(this.out, 'train_npz', `${name}.npz`), {
        image: { data: plane(c.image), shape: [h, w] },
        label: { data: plane(c.label), shape: [h, w] },
      });
      this.#trainNames.push(name);
    }
  }

  /** Write the lists; what was written. */
  finish(): LayoutSummary {
    const list = (file: string, names: string[]) => writeFileSync(join(this.out, LIST_DIR, file), names.map((n) => `${n}\n`).join(''));
    list('train.txt', this.#trainNames);
    list('test_vol.txt', this.#testNames);
    list('all.lst', this.#cases);
    return { trainSlices: this.#trainNames.length, testCases: this.#testNames.length };
  }
}

/** Intensities clipped to [lo, hi] and scaled to [0, 1] (Synapse: HU window [-125, 275]). */
export function windowed(data: ArrayLike<number>, [lo, hi]: [number, number]): Float32Array {
  const out = new Float32Array(data.length);
  const scale = 1 / (hi - lo);
  for (let i = 0; i < out.length; i++) out[i] = (Math.min(hi, Math.max(lo, data[i]!)) - lo) * scale;
  return out;
}

/** Labels through `map` (source label -> class id; labels absent from it -> 0), as uint8. */
export function mappedLabels(data: ArrayLike<number>, map: ReadonlyMap<number, number>): Uint8Array {
  const lut = new Uint8Array(Math.max(0, ...map.keys()) + 1);
  for (const [from, to] of map) lut[from] = to;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < out.length; i++) out[i] = lut[Math.round(data[i]!)] ?? 0;
  return out;
}
