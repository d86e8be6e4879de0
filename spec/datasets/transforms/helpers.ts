/** Tiny hand-made samples and a scripted random source for the transform specs. */
import { Rng } from '../../../lib/random.js';
import type { DatasetMeta, Sample } from '../../../datasets/types.js';

export const meta: DatasetMeta = {
  task: 'segmentation',
  classes: [],
  palette: [],
  reduceZeroLabel: false,
  ignoreIndex: 255,
};

/** A sample of an [h, w, c] uint8 (or float32) image, with optional [h, w] labels and depth. */
export function sample(
  h: number,
  w: number,
  pixels: number[],
  extra: { labels?: number[]; depth?: number[]; float?: boolean } = {},
): Sample {
  const c = pixels.length / (h * w);
  const data = extra.float ? Float32Array.from(pixels) : Uint8Array.from(pixels);
  const s: Sample = { index: 0, imgPath: 'img.png', meta, img: { data, height: h, width: w, channels: c } };
  if (extra.labels) s.gtSegMap = { data: Uint8Array.from(extra.labels), height: h, width: w };
  if (extra.depth) s.gtDepthMap = { data: Float32Array.from(extra.depth), height: h, width: w };
  return s;
}

/**
 * An Rng that replays scripted uniforms, so a test states each random draw; `int(n)` of a scripted u is
 * floor(u·n). It fails when a transform draws more than the script holds.
 */
export class ScriptedRng extends Rng {
  readonly #values: number[];

  constructor(values: number[]) {
    super(0);
    this.#values = [...values];
  }

  /** Scripted uniforms left. */
  get left(): number {
    return this.#values.length;
  }

  override uniform(): number {
    const u = this.#values.shift();
    if (u === undefined) throw new Error('ScriptedRng: no more scripted draws');
    return u;
  }
}

/** The uniform that makes `int(n)` return k. */
export function pick(k: number, n: number): number {
  return (k + 0.5) / n;
}

/** Plain numbers of a typed array, for deep equality. */
export function values(a: ArrayLike<number>): number[] {
  return Array.from(a);
}
