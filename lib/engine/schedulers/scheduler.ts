/**
 * The base of the learning-rate schedulers, mmengine's `param_scheduler` entries with `by_epoch=False`. mmengine
 * steps every scheduler once per iteration, in list order, each rewriting the lr recursively from its current
 * value while `begin <= iteration < end` (its local step t = iteration − begin). Each step is an affine map
 * lr ↦ c + f·(lr − c) about a fixed point c (0 for the multiplicative schedulers, eta_min for PolyLR and
 * CosineAnnealingLR), so a run of steps is c + (Π f)·(lr − c): the subclasses give Π f in closed form.
 */
import { Type } from '@sinclair/typebox';
import { constant, defineOptions, option, type ResolvedOptions } from '../../config/declare.js';
import { ConfigError } from '../../config/errors.js';

/** mmengine's default `end`, `INF = int(1e9)`. */
export const INF = 1e9;

/** The options every scheduler has (mmengine's `_ParamScheduler`), spread into each scheduler's declaration. */
export const LrSchedulerOptions = defineOptions('LrScheduler', "the options every scheduler has (mmengine's _ParamScheduler)", {
  begin: option(Type.Integer({ minimum: 0 }), 0, 'first iteration the scheduler steps at'),
  end: option(Type.Integer({ minimum: 1 }), INF, 'first iteration it no longer steps at (exclusive); mmengine default INF = 1e9'),
  by_epoch: option(constant(false), false, 'segvit schedules are iteration-based'),
});

/** A factor in (0, 1]: mmengine divides by it to restore the lr. */
export const lrFactor = Type.Number({ exclusiveMinimum: 0, maximum: 1 });

export abstract class LrScheduler {
  abstract readonly type: string;
  /** First iteration this scheduler steps at. */
  readonly begin: number;
  /** First iteration it no longer steps at (exclusive). */
  readonly end: number;

  /**
   * @param o the scheduler's options, resolved by the scheduler (`resolveOptions` with its declaration)
   * @param path where those options are, to name in errors (`param_scheduler[0]`)
   */
  constructor(o: ResolvedOptions<typeof LrSchedulerOptions>, path: string) {
    if (o.end <= o.begin) throw ConfigError.at(`${path}.end`, `must be greater than begin (${o.begin})`);
    this.begin = o.begin;
    this.end = o.end;
  }

  /** The fixed point of this scheduler's steps. */
  abstract readonly center: number;

  /** mmengine's `total_iters`: the last local step, end − begin − 1. */
  get lastStep(): number {
    return this.end - this.begin - 1;
  }

  /** Π f over local steps t0..t1 (0 <= t0 <= t1 <= lastStep); valid when `scalesOnly(t0, t1)`. */
  abstract gain(t0: number, t1: number): number;

  /** Whether steps t0..t1 are all scalings about `center` (CosineAnnealingLR's restarts are not). */
  scalesOnly(_t0: number, _t1: number): boolean {
    return true;
  }

  /**
   * The lr after local steps t0..t1 when this scheduler alone changes it, starting from `lr`; `initialLr` is the
   * group's initial lr (mmengine's `base_values`).
   */
  advance(lr: number, t0: number, t1: number, _initialLr: number): number {
    return this.center + this.gain(t0, t1) * (lr - this.center);
  }

  /** `Type [begin, end)`, for messages. */
  toString(): string {
    return `${this.type} [${this.begin}, ${this.end})`;
  }
}
