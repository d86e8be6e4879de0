/** Losses; each registers itself under mmseg's type and option names. */
export { CrossEntropyLoss, CrossEntropyOptions, pixelAccuracy } from './cross-entropy.js';
export { DiceLoss, DiceOptions } from './dice.js';
export { L1Loss, L1Options } from './l1.js';
export { ScaleShiftInvariantLoss, ScaleShiftInvariantOptions } from './scale-shift-invariant.js';
export { SiLogLoss, SiLogOptions } from './silog.js';
export { gradientMatchingLoss } from './gradient-matching.js';
export { robustNormalize, scaleAndShift } from './ssi-alignment.js';
export { isDepthLoss, type DepthLoss, type SegLabels, type SegLogits, type SegLoss } from './types.js';
