/**
 * Per-image alignment of relative depth before evaluation, as MiDaS and DPT evaluate their affine-invariant models
 * on NYU and KITTI: the prediction is relative inverse depth (disparity-like); its least-squares scale s and shift t
 * onto the inverse ground truth over the evaluated pixels, s = Σ(d − d̄)(d* − d̄*) / Σ(d − d̄)², t = d̄* − s·d̄ (the
 * 2×2 normal equations in centred form), give the depth 1 / max(s·d + t, 1 / max_depth).
 */
import { cropBox, type DepthEvalOptions, type DepthImage } from './depth.js';

/** How DepthMetric prepares predictions: 'scale_shift' = the alignment above; null = taken as metric depth. */
export const DEPTH_ALIGNS = ['scale_shift'] as const;
export type DepthAlign = (typeof DEPTH_ALIGNS)[number];

/** Scale and shift of `pred` onto 1/gt over the pixels the evaluation counts (in the crop, min < gt < max). */
export function inverseDepthFit(pred: DepthImage, gt: DepthImage, options: DepthEvalOptions): { scale: number; shift: number } {
  const { width } = gt;
  const box = cropBox(options.crop, gt.height, width);
  const pixels: [number, number][] = [];
  for (let y = box.top; y < box.bottom; y++) {
    for (let x = box.left; x < box.right; x++) {
      const g = gt.data[y * width + x]!;
      if (g > options.minDepth && g < options.maxDepth) pixels.push([pred.data[y * width + x]!, 1 / g]);
    }
  }
  const n = Math.max(pixels.length, 1);
  const meanPred = pixels.reduce((s, [d]) => s + d, 0) / n;
  const meanTarget = pixels.reduce((s, [, t]) => s + t, 0) / n;
  let spread = 0;
  let covariance = 0;
  for (const [d, t] of pixels) {
    spread += (d - meanPred) ** 2;
    covariance += (d - meanPred) * (t - meanTarget);
  }
  // a constant prediction: the best shift alone
  const scale = spread > 0 ? covariance / spread : 0;
  return { scale, shift: meanTarget - scale * meanPred };
}

/** The depth of relative inverse depth `pred` aligned to `gt`: 1 / max(s·pred + t, 1 / max_depth). */
export function alignInverseDepth(pred: DepthImage, gt: DepthImage, options: DepthEvalOptions): DepthImage {
  const { scale, shift } = inverseDepthFit(pred, gt, options);
  const floor = 1 / options.maxDepth;
  const data = pred.data.map((d) => 1 / Math.max(scale * d + shift, floor));
  return { data, height: pred.height, width: pred.width };
}
