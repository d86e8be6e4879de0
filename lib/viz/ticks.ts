/** Axis scales for charts: "nice" tick positions (1, 2, 5 × 10^k) on linear and log axes, and their labels. */

/** An axis: the value range it spans (from the first tick to the last) and where its ticks are. */
export interface Axis {
  domain: [number, number];
  ticks: number[];
  /** Formats a tick value as its label. */
  label: (value: number) => string;
}

/** Value range of some numbers; a single value or none is widened so an axis still has length. */
function extent(values: readonly number[], fallback: [number, number]): [number, number] {
  if (values.length === 0) return fallback;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/** The 1, 2 or 5 × 10^k step that cuts [lo, hi] into about `count` intervals. */
function niceStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const factor = [1, 2, 5, 10].find((f) => f * power >= raw) ?? 10;
  return factor * power;
}

/** Label of a linear tick: 'k' / 'M' for large round steps (160k), else as many decimals as the step needs. */
function linearLabel(step: number, largest: number): (value: number) => string {
  if (step >= 1e6) return (v) => (v === 0 ? '0' : `${v / 1e6}M`);
  if (step >= 1e3 && largest >= 1e4) return (v) => (v === 0 ? '0' : `${v / 1e3}k`);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return decimals > 6 ? (v) => v.toExponential(1) : (v) => v.toFixed(decimals);
}

/** The multiples of `step` from the one at or below `lo` to the one at or above `hi`. */
function stepsCovering(lo: number, hi: number, step: number): number[] {
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

/**
 * A linear axis over `values` with about `count` intervals of a nice step. Without `margin` the range is extended
 * to whole steps (a tick at each end); with it the range is the data's, widened by `margin` × its length on each
 * side, with the ticks that fall inside (matplotlib's default for x).
 */
export function linearAxis(values: readonly number[], count = 6, margin?: number): Axis {
  const [lo, hi] = extent(values, [0, 1]);
  const step = niceStep(lo, hi, count);
  let ticks = stepsCovering(lo, hi, step);
  let domain: [number, number] = [ticks[0], ticks[ticks.length - 1]];
  if (margin !== undefined) {
    domain = [lo - margin * (hi - lo), hi + margin * (hi - lo)];
    ticks = ticks.filter((t) => t >= domain[0] && t <= domain[1]);
  }
  const largest = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]));
  return { domain, ticks, label: linearLabel(step, largest) };
}

/** Label of a log tick: plain between 0.001 and 10000, else 1e-5 style. */
function logLabel(value: number): string {
  if (value >= 1e-3 && value <= 1e4) return String(Number(value.toPrecision(6)));
  return value.toExponential(0).replace('e+', 'e');
}

/**
 * A log-10 axis over positive `values`: the range extended to whole decades, a tick at each power of ten, and at
 * 2 and 5 times each when the range spans at most two decades.
 */
export function logAxis(values: readonly number[]): Axis {
  const [lo, hi] = extent(values.map(Math.log10), [0, 1]);
  const first = Math.floor(lo + 1e-9);
  const last = Math.max(first + 1, Math.ceil(hi - 1e-9));
  const multiples = last - first <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = first; e <= last; e++) {
    for (const m of multiples) if (e < last || m === 1) ticks.push(Number((m * 10 ** e).toPrecision(12)));
  }
  return { domain: [10 ** first, 10 ** last], ticks, label: logLabel };
}
