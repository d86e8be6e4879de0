/**
 * Monocular depth errors of one image as BTS's `eval_with_pngs.py` / `bts_eval.py` compute them (and AdaBins, DPT
 * reuse): predictions clipped to [min, max], ground truth valid where min < gt < max, inside the evaluation crop.
 */

/** A depth map in metres, row-major. */
export interface DepthImage {
  data: Float32Array;
  height: number;
  width: number;
}

/**
 * Evaluation crops: `nyu_crop` = Eigen's NYU crop, rows 45..470 and columns 41..600 of a 480×640 map (mmseg's
 * name); `eigen_crop` and `garg_crop` = the KITTI crops as fractions of the height and width.
 */
export const DEPTH_CROPS = ['nyu_crop', 'eigen_crop', 'garg_crop'] as const;
export type DepthCrop = (typeof DEPTH_CROPS)[number];

export const DEPTH_METRICS = ['d1', 'd2', 'd3', 'abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10', 'silog'] as const;
export type DepthMetricName = (typeof DEPTH_METRICS)[number];
export type DepthErrors = Record<DepthMetricName, number>;

/** Half-open pixel ranges [top, bottom) × [left, right). */
interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Row and column fractions of the KITTI crops (BTS `eval_with_pngs.py`). */
const KITTI_CROPS = {
  garg_crop: [0.40810811, 0.99189189, 0.03594771, 0.96405229],
  eigen_crop: [0.3324324, 0.91351351, 0.0359477, 0.96405229],
} as const;

/** The crop's box on a height×width map (fractions truncated as Python's `int`). */
export function cropBox(crop: DepthCrop | null, height: number, width: number): Box {
  if (crop === null) return { top: 0, bottom: height, left: 0, right: width };
  if (crop === 'nyu_crop') {
    if (height !== 480 || width !== 640) {
      throw new Error(`nyu_crop is defined on 480×640 depth maps, got ${height}×${width}; evaluate at the original size`);
    }
    return { top: 45, bottom: 471, left: 41, right: 601 };
  }
  const [top, bottom, left, right] = KITTI_CROPS[crop];
  return {
    top: Math.trunc(top * height),
    bottom: Math.trunc(bottom * height),
    left: Math.trunc(left * width),
    right: Math.trunc(right * width),
  };
}

/** Depth range and crop of an evaluation. */
export interface DepthEvalOptions {
  minDepth: number;
  maxDepth: number;
  crop: DepthCrop | null;
}

/**
 * The errors of `pred` against `gt` over the valid pixels of the crop: δk = share of max(g/p, p/g) < 1.25^k;
 * abs_rel = mean |g − p|/g; sq_rel = mean (g − p)²/g; rmse; rmse_log (natural logs);
 * log10 = mean |log10 p − log10 g|; silog = 100·sqrt(mean e² − (mean e)²) with e = ln p − ln g (BTS's scale; a rounding-negative variance gives 0).
 * NaN when no pixel is valid.
 */
export function depthErrors(pred: DepthImage, gt: DepthImage, options: DepthEvalOptions): DepthErrors {
  const { height, width } = gt;
  if (pred.height !== height || pred.width !== width) {
    throw new Error(`prediction is ${pred.height}×${pred.width}, ground truth ${height}×${width}`);
  }
  const box = cropBox(options.crop, height, width);
  const sums = new Float64Array(10);
  for (let y = box.top; y < box.bottom; y++) {
    for (let x = box.left; x < box.right; x++) {
      const g = gt.data[y * width + x]!;
      if (g > options.minDepth && g < options.maxDepth) addPixel(sums, clip(pred.data[y * width + x]!, options), g);
    }
  }
  return errorsOf(sums);
}

/** BTS: below min → min, above max (and +∞) → max; NaN stays NaN. */
function clip(p: number, { minDepth, maxDepth }: DepthEvalOptions): number {
  return p < minDepth ? minDepth : p > maxDepth ? maxDepth : p;
}

/** Running sums: [n, δ1, δ2, δ3, |d|/g, d²/g, d², (ln d)², |log10 d|, e] with d = g − p, e = ln p − ln g. */
function addPixel(s: Float64Array, p: number, g: number): void {
  const thresh = Math.max(g / p, p / g);
  const d = g - p;
  const e = Math.log(p) - Math.log(g);
  s[0]! += 1;
  s[1]! += thresh < 1.25 ? 1 : 0;
  s[2]! += thresh < 1.25 ** 2 ? 1 : 0;
  s[3]! += thresh < 1.25 ** 3 ? 1 : 0;
  s[4]! += Math.abs(d) / g;
  s[5]! += (d * d) / g;
  s[6]! += d * d;
  s[7]! += e * e;
  s[8]! += Math.abs(Math.log10(p) - Math.log10(g));
  s[9]! += e;
}

function errorsOf(s: Float64Array): DepthErrors {
  const mean = (i: number) => s[i]! / s[0]!;
  return {
    d1: mean(1),
    d2: mean(2),
    d3: mean(3),
    abs_rel: mean(4),
    sq_rel: mean(5),
    rmse: Math.sqrt(mean(6)),
    rmse_log: Math.sqrt(mean(7)),
    log10: mean(8),
    silog: Math.sqrt(Math.max(0, mean(7) - mean(9) ** 2)) * 100,
  };
}
