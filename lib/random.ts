/**
 * The one seeded random source of segvit: parameter init, dropout masks, data order and augmentation
 * all draw from a `Rng`, so a run is reproducible from its seed and resumable from `rng.state`.
 */

/** Counter-based generator (SplitMix32-style); its whole state is one 32-bit integer. */
export class Rng {
  #state: number;

  constructor(seed = 0) {
    this.#state = seed >>> 0;
  }

  get state(): number {
    return this.#state;
  }

  set state(value: number) {
    this.#state = value >>> 0;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A seed for a tfjs random op, so tfjs randomness follows this generator too. */
  seed(): number {
    return this.nextUint32();
  }
}

/** The process-wide generator used by layers (init, dropout, drop path). */
export const rng = new Rng(0);

/** Reseed the process-wide generator, as `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  rng.state = seed;
}
