/** Depth metrics averaged over images, as BTS's evaluation (δ1–δ3, AbsRel, SqRel, RMSE, RMSElog, log10, SILog). */
import {
  DEPTH_METRICS, depthErrors, type DepthCrop, type DepthErrors, type DepthImage, type DepthMetricName,
} from './depth.js';

export interface DepthMetricOptions {
  /** The metrics to report, default all (mmseg's names: d1, d2, d3, abs_rel, sq_rel, rmse, rmse_log, log10, silog). */
  depthMetrics?: DepthMetricName[];
  /** Ground truth must exceed it; predictions are clipped up to it. Default 1e-3 (BTS). */
  minDepthEval?: number;
  /** Ground truth must be below it; predictions are clipped down to it. Default Infinity (no bound). */
  maxDepthEval?: number;
  /** Default null (whole map). */
  cropType?: DepthCrop | null;
}

export class DepthMetric {
  readonly depthMetrics: readonly DepthMetricName[];
  readonly minDepthEval: number;
  readonly maxDepthEval: number;
  readonly cropType: DepthCrop | null;
  readonly #perImage: DepthErrors[] = [];

  constructor(options: DepthMetricOptions = {}) {
    this.depthMetrics = options.depthMetrics ?? DEPTH_METRICS;
    this.minDepthEval = options.minDepthEval ?? 1e-3;
    this.maxDepthEval = options.maxDepthEval ?? Infinity;
    this.cropType = options.cropType ?? null;
    if (!(this.minDepthEval < this.maxDepthEval)) {
      throw new Error(`DepthMetric: min_depth_eval ${this.minDepthEval} must be below max_depth_eval ${this.maxDepthEval}`);
    }
  }

  /** Add one image: predicted and ground-truth depth in metres, same size (gt 0, NaN or ∞ = no ground truth). */
  process(pred: DepthImage, gt: DepthImage): void {
    const options = { minDepth: this.minDepthEval, maxDepth: this.maxDepthEval, crop: this.cropType };
    this.#perImage.push(depthErrors(pred, gt, options));
  }

  /** Each metric's mean over the images processed since the last `reset` (per image first, as BTS). */
  compute(): Partial<DepthErrors> {
    const n = this.#perImage.length;
    if (n === 0) throw new Error('DepthMetric.compute: no image was processed');
    const mean = (key: DepthMetricName) => this.#perImage.reduce((s, e) => s + e[key], 0) / n;
    return Object.fromEntries(this.depthMetrics.map((key) => [key, mean(key)]));
  }

  /** Forget every processed image. */
  reset(): void {
    this.#perImage.length = 0;
  }
}
