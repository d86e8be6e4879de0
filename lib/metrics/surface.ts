/**
 * Dice and the 95th-percentile Hausdorff distance of binary masks in any number of dimensions, as medpy's
 * `metric.binary.dc` / `hd95` compute them: surface voxels are the mask minus its erosion by the face-connected cross
 * (voxels at the array's edge are surface), distances come from an exact Euclidean distance transform with the voxel
 * spacing, and HD95 is NumPy's linear-interpolated 95th percentile of both directed surface distances together.
 * Masks are C-order arrays (non-zero = inside) of `shape`, slowest axis first, with `spacing` in the same order.
 */

type Mask = ArrayLike<number>;

/** The box [lo, hi) per axis holding every non-zero voxel of `a` or `b`; undefined when both are empty. */
function boundingBox(a: Mask, b: Mask, shape: readonly number[]): { lo: number[]; hi: number[] } | undefined {
  const n = shape.length;
  const lo = shape.map((s) => s);
  const hi = shape.map(() => 0);
  const index = new Array<number>(n).fill(0);
  let any = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] || b[i]) {
      any = true;
      for (let k = 0; k < n; k++) [lo[k], hi[k]] = [Math.min(lo[k]!, index[k]!), Math.max(hi[k]!, index[k]! + 1)];
    }
    for (let k = n - 1; k >= 0 && ++index[k]! === shape[k]; k--) index[k] = 0;
  }
  return any ? { lo, hi } : undefined;
}

/** The part of `m` inside the box, as a 0/1 array of shape hi − lo. */
function crop(m: Mask, shape: readonly number[], lo: number[], hi: number[]): Uint8Array {
  const size = hi.map((h, k) => h - lo[k]!);
  const out = new Uint8Array(size.reduce((p, s) => p * s, 1));
  const strides = stridesOf(shape);
  const index = new Array<number>(size.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let i = 0;
    for (let k = 0; k < size.length; k++) i += (index[k]! + lo[k]!) * strides[k]!;
    out[o] = m[i] ? 1 : 0;
    for (let k = size.length - 1; k >= 0 && ++index[k]! === size[k]; k--) index[k] = 0;
  }
  return out;
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let k = shape.length - 1, s = 1; k >= 0; k--) [strides[k], s] = [s, s * shape[k]!];
  return strides;
}

/**
 * medpy's border: `mask` XOR its binary erosion by the face-connected cross, outside the array counting as empty
 * (scipy's border_value 0), so masks touching the edge have surface there.
 */
export function surfaceVoxels(mask: Mask, shape: readonly number[]): Uint8Array {
  const strides = stridesOf(shape);
  const out = new Uint8Array(mask.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      let interior = true;
      for (let k = 0; k < shape.length && interior; k++) {
        const s = strides[k]!;
        interior = index[k]! > 0 && index[k]! < shape[k]! - 1 && Boolean(mask[i - s]) && Boolean(mask[i + s]);
      }
      out[i] = interior ? 0 : 1;
    }
    for (let k = shape.length - 1; k >= 0 && ++index[k]! === shape[k]; k--) index[k] = 0;
  }
  return out;
}

/**
 * One line of the squared distance transform (Felzenszwalb & Huttenlocher's lower envelope of parabolas), in
 * place: f[q] <- min_p ((q − p)·step)² + f[p]; Infinity marks points with no feature yet.
 */
function envelope1d(f: Float64Array, step: number, v: Int32Array, z: Float64Array): void {
  const n = f.length;
  let k = -1;
  const meet = (p: number, q: number) => (f[q]! + (q * step) ** 2 - (f[p]! + (p * step) ** 2)) / (2 * step * (q - p));
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    let s = -Infinity;
    while (k >= 0) {
      s = meet(v[k]!, q);
      if (s <= z[k]!) k--;
      else break;
    }
    if (k < 0) {
      k = 0;
      z[0] = -Infinity;
    } else {
      k++;
      z[k] = s;
    }
    v[k] = q;
    z[k + 1] = Infinity;
  }
  if (k < 0) return;
  const g = Float64Array.from(f);
  for (let q = 0, j = 0; q < n; q++) {
    while (z[j + 1]! < q * step) j++;
    f[q] = ((q - v[j]!) * step) ** 2 + g[v[j]!]!;
  }
}

/** Euclidean distance (with `spacing`) from every voxel to the nearest non-zero voxel of `features` (scipy's distance_transform_edt of its complement). */
export function distanceToFeatures(features: Uint8Array, shape: readonly number[], spacing: readonly number[]): Float64Array {
  const d = Float64Array.from(features, (x) => (x ? 0 : Infinity));
  const strides = stridesOf(shape);
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis]!;
    const stride = strides[axis]!;
    const line = new Float64Array(n);
    const [v, z] = [new Int32Array(n), new Float64Array(n + 1)];
    for (let start = 0; start < d.length; start++) {
      if (Math.floor(start / stride) % n !== 0) continue; // the first voxel of a line along `axis`
      for (let i = 0; i < n; i++) line[i] = d[start + i * stride]!;
      envelope1d(line, spacing[axis]!, v, z);
      for (let i = 0; i < n; i++) d[start + i * stride] = line[i]!;
    }
  }
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]!);
  return d;
}

/** NumPy's `percentile(values, p)` with linear interpolation. */
export function percentile(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  const at = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** medpy's `dc`: 2|A ∩ B| / (|A| + |B|), 0 when both are empty. */
export function dice(pred: Mask, gt: Mask): number {
  let [both, sum] = [0, 0];
  for (let i = 0; i < pred.length; i++) {
    const [p, g] = [pred[i] ? 1 : 0, gt[i] ? 1 : 0];
    both += p & g;
    sum += p + g;
  }
  return sum === 0 ? 0 : (2 * both) / sum;
}

/** medpy's `hd95` of two non-empty masks (an error when either is empty, as medpy). */
export function hd95(pred: Mask, gt: Mask, shape: readonly number[], spacing: readonly number[] = shape.map(() => 1)): number {
  const box = boundingBox(pred, gt, shape);
  const [p, g] = box === undefined ? [] : [crop(pred, shape, box.lo, box.hi), crop(gt, shape, box.lo, box.hi)];
  if (p === undefined || g === undefined || !p.includes(1) || !g.includes(1)) {
    throw new Error('hd95: both masks must contain a voxel (medpy raises the same)');
  }
  const size = box!.hi.map((h, k) => h - box!.lo[k]!);
  const [pSurface, gSurface] = [surfaceVoxels(p, size), surfaceVoxels(g, size)];
  const [toG, toP] = [distanceToFeatures(gSurface, size, spacing), distanceToFeatures(pSurface, size, spacing)];
  const distances: number[] = [];
  for (let i = 0; i < pSurface.length; i++) if (pSurface[i]) distances.push(toG[i]!);
  for (let i = 0; i < gSurface.length; i++) if (gSurface[i]) distances.push(toP[i]!);
  return percentile(Float64Array.from(distances), 95);
}

/**
 * TransUNet's `calculate_metric_percase`: both masks non-empty -> (dc, hd95); a prediction where the ground truth
 * is empty -> (1, 0); an empty prediction -> (0, 0).
 */
export function caseMetric(
  pred: Mask,
  gt: Mask,
  shape: readonly number[],
  spacing?: readonly number[],
): { dice: number; hd95: number } {
  const [anyPred, anyGt] = [Array.prototype.some.call(pred, Boolean), Array.prototype.some.call(gt, Boolean)];
  if (anyPred && anyGt) return { dice: dice(pred, gt), hd95: hd95(pred, gt, shape, spacing) };
  return anyPred ? { dice: 1, hd95: 0 } : { dice: 0, hd95: 0 };
}
