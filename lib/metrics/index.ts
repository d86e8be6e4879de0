/** Evaluation metrics, each registered under mmseg's name with its option names. */
export { IoUMetric, IoUMetricOptions, type IoUResult, type ClassResult } from './iou-metric.js';
export {
  intersectAndUnion, totalAreaToMetrics, IOU_METRICS, type Areas, type ClassMap, type ClassRatios, type IoUMetricName,
} from './iou.js';
export { DepthMetric, DepthMetricOptions, type DepthDatasetMeta } from './depth-metric.js';
export { alignInverseDepth, inverseDepthFit, DEPTH_ALIGNS, type DepthAlign } from './depth-align.js';
export {
  depthErrors, cropBox, DEPTH_CROPS, DEPTH_METRICS, type DepthImage, type DepthCrop, type DepthErrors, type DepthMetricName,
} from './depth.js';
export { roundHalfEven, nanMean } from './round.js';
export { DiceHD95Metric, DiceHD95MetricOptions, type CaseResult, type DiceHD95Result } from './dice-hd95-metric.js';
export { BinarySegMetric, BinarySegMetricOptions, type BinarySegResult } from './binary-seg-metric.js';
export { caseMetric, dice, distanceToFeatures, hd95, percentile, surfaceVoxels } from './surface.js';
