/**
 * A list of schedulers applied together as mmengine's `param_scheduler` list, giving each param group's learning
 * rate at any iteration in closed form: a pure function of the iteration, so a resumed run continues exactly.
 */
import type { ComponentConfig } from '../../config/types.js';
import { registries as globalRegistries, type Registries } from '../../registry.js';
import type { LrScheduler } from './scheduler.js';

/** Iterations [from, to] (inclusive) during which the same schedulers step. */
interface Span {
  from: number;
  to: number;
  active: LrScheduler[];
}

export class LrSchedule {
  readonly #spans: Span[];

  /**
   * @param schedulers in config order (mmengine steps them in this order at each iteration)
   * @param baseLrs each param group's initial lr (base lr × lr_mult)
   */
  constructor(
    readonly schedulers: readonly LrScheduler[],
    readonly baseLrs: readonly number[],
  ) {
    this.#spans = spansOf(schedulers);
    for (const span of this.#spans) checkCommuting(span);
  }

  /** The lr of each param group at `iteration` (from 0), i.e. after mmengine's construction step and `iteration` steps. */
  lrAt(iteration: number): number[] {
    if (!Number.isInteger(iteration) || iteration < 0) {
      throw new Error(`lrAt: iteration must be an integer >= 0, got ${iteration}`);
    }
    return this.baseLrs.map((base) => this.#lrOf(base, iteration));
  }

  #lrOf(initialLr: number, iteration: number): number {
    let lr = initialLr;
    for (const { from, to, active } of this.#spans) {
      if (from > iteration) break;
      lr = advanceTogether(active, lr, from, Math.min(to, iteration), initialLr);
    }
    return lr;
  }
}

/**
 * Build a validated `param_scheduler` (one config or a list) for param groups with initial lrs `baseLrs`.
 * No scheduler keeps every lr at its initial value.
 */
export function buildLrSchedule(
  cfg: ComponentConfig | ComponentConfig[] | undefined,
  baseLrs: readonly number[],
  from: Registries = globalRegistries,
): LrSchedule {
  const cfgs = cfg === undefined ? [] : [cfg].flat();
  const path = (i: number) => (Array.isArray(cfg) ? `param_scheduler[${i}]` : 'param_scheduler');
  return new LrSchedule(cfgs.map((c, i) => from.scheduler.build(c, path(i))), baseLrs);
}

/** The lr after iterations from..last, all of which `active` step. */
function advanceTogether(active: LrScheduler[], lr: number, from: number, last: number, initialLr: number): number {
  const [first] = active;
  if (first === undefined) return lr;
  if (active.length === 1) return first.advance(lr, from - first.begin, last - first.begin, initialLr);
  const gain = active.reduce((g, s) => g * s.gain(from - s.begin, last - s.begin), 1);
  return first.center + gain * (lr - first.center);
}

/** The iterations cut where any scheduler begins or ends, each piece with the schedulers active in it. */
function spansOf(schedulers: readonly LrScheduler[]): Span[] {
  const cuts = [...new Set([0, ...schedulers.flatMap((s) => [s.begin, s.end])])].sort((a, b) => a - b);
  return cuts.map((from, i) => {
    const to = i + 1 < cuts.length ? cuts[i + 1]! - 1 : Infinity;
    return { from, to, active: schedulers.filter((s) => s.begin <= from && from < s.end) };
  });
}

/**
 * Overlapping schedulers interleave their steps; the result has a closed form when their steps commute, i.e. when
 * they scale about the same fixed point (LinearLR with PolyLR eta_min=0, MultiStepLR with ConstantLR, ...).
 */
function checkCommuting({ from, to, active }: Span): void {
  if (active.length < 2) return;
  const first = active[0]!;
  const restarting = active.find((s) => !s.scalesOnly(from - s.begin, Math.min(to, s.end - 1) - s.begin));
  const offCenter = active.find((s) => s.center !== first.center);
  if (restarting === undefined && offCenter === undefined) return;
  const why = offCenter
    ? `${first} scales the lr about ${first.center}, ${offCenter} about ${offCenter.center}`
    : `${restarting} restarts meanwhile`;
  throw new Error(
    `param_scheduler: ${active.join(' and ')} overlap from iteration ${from} but do not commute (${why}); ` +
      'make them consecutive, or give them the same eta_min',
  );
}
