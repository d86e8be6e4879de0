/**
 * The order of a loader's sample stream and the seeds of its augmentations. Everything is a pure function of
 * (seed, epoch, index), so a run's batches do not depend on worker count or timing, and a resumed run continues
 * the stream exactly.
 */
import { Rng } from '../../lib/random.js';

/** One sample of the stream: which epoch's pass drew it, and its index in the dataset. */
export interface SampleRef {
  epoch: number;
  index: number;
}

/** Domain tags, so that order and augmentation seeds never coincide. */
const ORDER = 0x6f726472;
const SAMPLE = 0x736d706c;

/** MurmurHash3's 32-bit finaliser: a bijection of uint32 that mixes every bit into every other. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uint32 seed derived from a sequence of integers (each taken modulo 2³²). */
export function mixSeed(...parts: number[]): number {
  let h = 0x243f6a88;
  for (const part of parts) h = fmix32(Math.imul(h, 0x9e3779b1) ^ fmix32(part >>> 0));
  return h;
}

/** The seed of the augmentation Rng of dataset sample `index` drawn in `epoch`. */
export function sampleSeed(seed: number, epoch: number, index: number): number {
  return mixSeed(SAMPLE, seed, epoch, index);
}

/** The dataset indices of one epoch in visiting order: 0..n−1, or a Fisher-Yates shuffle seeded by (seed, epoch). */
export function epochOrder(length: number, seed: number, epoch: number, shuffle: boolean): Uint32Array {
  const order = Uint32Array.from({ length }, (_, i) => i);
  if (!shuffle) return order;
  const rng = new Rng(mixSeed(ORDER, seed, epoch));
  for (let i = length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The batches of one epoch: consecutive slices of its order, the last one short unless dropped. */
export function* epochBatches(
  order: Uint32Array,
  epoch: number,
  batchSize: number,
  dropLast: boolean,
): Generator<SampleRef[]> {
  const end = dropLast ? order.length - (order.length % batchSize) : order.length;
  for (let start = 0; start < end; start += batchSize) {
    yield Array.from(order.subarray(start, Math.min(start + batchSize, end)), (index) => ({ epoch, index }));
  }
}

/**
 * The endless stream of full batches over epoch after epoch (mmengine's InfiniteSampler: epochs are concatenated,
 * a batch may span two), from batch `start` on. Batch k holds stream positions [k·B, (k+1)·B); position p is
 * sample p mod n of epoch floor(p / n).
 */
export function* streamBatches(
  orderOf: (epoch: number) => Uint32Array,
  length: number,
  batchSize: number,
  start: number,
): Generator<SampleRef[]> {
  let epoch = -1;
  let order: Uint32Array = new Uint32Array(0);
  for (let position = start * batchSize; ; ) {
    const batch: SampleRef[] = [];
    for (let i = 0; i < batchSize; i++, position++) {
      const e = Math.floor(position / length);
      if (e !== epoch) [epoch, order] = [e, orderOf(e)];
      batch.push({ epoch, index: order[position % length] });
    }
    yield batch;
  }
}
