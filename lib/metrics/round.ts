/** numpy's rounding and averaging, so reported numbers match mmseg's to the last printed digit. */

/** `np.round(x, decimals)`: scale, round half to even (`np.rint`), unscale. */
export function roundHalfEven(x: number, decimals = 2): number {
  const scale = 10 ** decimals;
  const y = x * scale;
  const floor = Math.floor(y);
  const rest = y - floor;
  const rounded = rest > 0.5 ? floor + 1 : rest < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  return rounded / scale;
}

/** `np.nanmean`: the mean of the values that are not NaN; NaN when all are. */
export function nanMean(values: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    sum += values[i]!;
    count += 1;
  }
  return count === 0 ? NaN : sum / count;
}
