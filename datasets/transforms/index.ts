/**
 * Data transforms, each registered in the `transform` registry under mmseg 1.x's type name with its snake_case
 * options (Pad keeps mmseg 0.x's `size` [h, w], `pad_val`, `seg_pad_val`). All are tfjs-free, so pipelines run in
 * loader worker threads.
 */
export { KBCrop, KBCropOptions } from './kb-crop.js';
export { Normalize, NormalizeOptions } from './normalize.js';
export { Pad, PadOptions } from './pad.js';
export { PhotoMetricDistortion, PhotoMetricDistortionOptions } from './photo-metric-distortion.js';
export { RandomCrop, RandomCropOptions } from './random-crop.js';
export { RandomFlip, RandomFlipOptions } from './random-flip.js';
export { RandomRotFlip, RandomRotFlipOptions, rot90Raster, rotateRaster } from './random-rot-flip.js';
export { RepeatChannels, RepeatChannelsOptions } from './repeat-channels.js';
export { RandomResize, RandomResizeOptions, Resize, ResizeOptions, rescaleSize, type Scale } from './resize.js';
export { Zoom, ZoomOptions, zoomRaster, type SplineOrder } from './zoom.js';
