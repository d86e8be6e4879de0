/** Depth metrics averaged over images, as BTS's evaluation (δ1–δ3, AbsRel, SqRel, RMSE, RMSElog, log10, SILog). */
import { Type } from '@sinclair/typebox';
import { choice, defineOptions, nullable, option, optional, type OptionsInput, type ResolvedOptions } from '../config/declare.js';
import { resolveOptions } from '../config/resolve.js';
import { positive } from '../config/schema-parts.js';
import { registries, type BuildContext } from '../registry.js';
import {
  DEPTH_CROPS, DEPTH_METRICS, depthErrors, type DepthCrop, type DepthErrors, type DepthEvalOptions, type DepthImage,
  type DepthMetricName,
} from './depth.js';
import { alignInverseDepth, DEPTH_ALIGNS, type DepthAlign } from './depth-align.js';

export const DepthMetricOptions = defineOptions(
  'DepthMetric',
  'depth errors per image over valid pixels in the crop, averaged over images, as BTS evaluates',
  {
    depth_metrics: option(
      nullable(Type.Array(choice(DEPTH_METRICS), { minItems: 1 })),
      null,
      `the metrics to report; null: all (${DEPTH_METRICS.join(', ')})`,
    ),
    min_depth_eval: optional(
      positive,
      "ground truth must exceed it, predictions are clipped up to it; absent: the dataset's min_depth, else 0.001",
    ),
    max_depth_eval: optional(
      nullable(positive),
      "ground truth must be below it, predictions are clipped down to it; null: no upper bound; absent: the dataset's max_depth",
    ),
    crop_type: optional(
      choice([null, ...DEPTH_CROPS]),
      "nyu_crop: Eigen NYU crop on 480x640; eigen_crop / garg_crop: the KITTI crops; null: none; absent: the dataset's eval_crop",
    ),
    align: option(
      choice([null, ...DEPTH_ALIGNS]),
      null,
      'scale_shift: relative inverse-depth predictions aligned per image to 1/gt by least squares (MiDaS / DPT evaluation)',
    ),
  },
);
export type DepthMetricOptions = OptionsInput<typeof DepthMetricOptions>;

/** What a depth dataset tells its evaluation (mmengine's dataset_meta). */
export interface DepthDatasetMeta {
  minDepth?: number;
  maxDepth?: number;
  cropType?: DepthCrop | null;
}

export class DepthMetric {
  /** The dataset's depth range and crop, used where the options leave them out; set before `process`. */
  datasetMeta?: DepthDatasetMeta;
  readonly depthMetrics: readonly DepthMetricName[];
  readonly align: DepthAlign | null;
  readonly #resolved: ResolvedOptions<typeof DepthMetricOptions>;
  readonly #perImage: DepthErrors[] = [];

  constructor(options: DepthMetricOptions = {}, ctx?: BuildContext) {
    const o = resolveOptions(DepthMetricOptions, options, ctx);
    this.#resolved = o;
    this.depthMetrics = o.depth_metrics ?? DEPTH_METRICS;
    this.align = o.align;
    const [min, max] = [o.min_depth_eval, o.max_depth_eval];
    if (min !== undefined && max !== undefined && !(min < (max ?? Infinity))) {
      throw new Error(`DepthMetric: min_depth_eval ${min} must be below max_depth_eval ${max}`);
    }
  }

  get minDepthEval(): number {
    return this.#resolved.min_depth_eval ?? this.datasetMeta?.minDepth ?? 1e-3;
  }

  /** max_depth_eval (null: no bound), else the dataset's max_depth, else no bound. */
  get maxDepthEval(): number {
    const max = this.#resolved.max_depth_eval;
    return max === null ? Infinity : (max ?? this.datasetMeta?.maxDepth ?? Infinity);
  }

  get cropType(): DepthCrop | null {
    const crop = this.#resolved.crop_type;
    return crop !== undefined ? crop : (this.datasetMeta?.cropType ?? null);
  }

  /**
   * Add one image: predicted and ground-truth maps of the same size (gt in metres, 0, NaN or ∞ = no ground truth);
   * the prediction is depth in metres, or relative inverse depth with `align`.
   */
  process(pred: DepthImage, gt: DepthImage): void {
    const options = this.#evalOptions();
    const depth = this.align === 'scale_shift' ? alignInverseDepth(pred, gt, options) : pred;
    this.#perImage.push(depthErrors(depth, gt, options));
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

  /** The range and crop in force (options, else the dataset's, else the defaults), checked. */
  #evalOptions(): DepthEvalOptions {
    const [minDepth, maxDepth] = [this.minDepthEval, this.maxDepthEval];
    if (!(minDepth < maxDepth)) {
      throw new Error(`DepthMetric: min_depth_eval ${minDepth} must be below max_depth_eval ${maxDepth}`);
    }
    if (this.align && !Number.isFinite(maxDepth)) {
      throw new Error(`DepthMetric: align '${this.align}' caps the aligned depth at max_depth_eval, which must be finite`);
    }
    return { minDepth, maxDepth, crop: this.cropType };
  }
}

registries.metric.register('DepthMetric', { schema: DepthMetricOptions, build: (o, ctx) => new DepthMetric(o, ctx) });
