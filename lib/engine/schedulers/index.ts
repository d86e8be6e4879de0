/**
 * Learning-rate schedulers, each registered under mmengine's name (`param_scheduler` entries), iteration-based
 * (`by_epoch=False`), composed by `LrSchedule`.
 */
export { LrScheduler, LrSchedulerOptions, INF } from './scheduler.js';
export { LrSchedule, buildLrSchedule } from './schedule.js';
export { LinearLR, LinearLROptions } from './linear.js';
export { ConstantLR, ConstantLROptions } from './constant.js';
export { MultiStepLR, MultiStepLROptions } from './multi-step.js';
export { PolyLR, PolyLROptions } from './poly.js';
export { CosineAnnealingLR, CosineAnnealingLROptions } from './cosine.js';
