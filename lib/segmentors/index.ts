/** Segmentors; each registers itself under mmseg's type and option names. */
export { EncoderDecoder, EncoderDecoderOptions, totalLoss, type TestCfg } from './encoder-decoder.js';
export { DepthEstimator, DepthEstimatorOptions } from './depth-estimator.js';
export { SegDataPreProcessor, DataPreprocessorOptions } from './data-preprocessor.js';
export type { Backbone, DecodeHead, ModelInput, Neck, Segmentor, SegmentorTask, Targets, VolumeBackbone, VolumeHead } from './types.js';
export { EncoderDecoder3D, EncoderDecoder3DOptions } from './encoder-decoder-3d.js';
