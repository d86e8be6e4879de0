/**
 * Datasets and their loading transforms, each registered under mmseg's type and option names. Importing this
 * module registers them.
 */
export * from './types.js';
export { ADE20KDataset, ADE20K_CLASSES, ADE20K_PALETTE } from './ade20k.js';
export { BaseSegDataset, segDatasetOptions, type BaseSegDatasetOptions } from './base.js';
export { CelebAMaskHQDataset, CELEBAMASK_HQ_CLASSES, CELEBAMASK_HQ_PALETTE } from './celebamask-hq.js';
export { CityscapesDataset, CITYSCAPES_CLASSES, CITYSCAPES_PALETTE } from './cityscapes.js';
export { COCOStuffDataset, COCO_STUFF_CLASSES, COCO_STUFF_PALETTE } from './coco-stuff.js';
export { DepthDataset, depthDatasetOptions, type DepthDatasetOptions, type DepthDefaults } from './depth.js';
export {
  randomDepthScene,
  renderDepthScene,
  type Camera,
  type DepthScene,
  type DepthSceneOptions,
  type RenderedScene,
} from './depth-scenes.js';
export { drawScene, type DigitScene, type PlacedDigit } from './digit-scenes.js';
export {
  DigitsDataset,
  DigitsDatasetOptions,
  DIGITS_CLASSES,
  DIGITS_PALETTE,
  digitScenes,
  prepareDigits,
} from './digits.js';
export { DataFileError, LabelValueError, MissingAnnotationError } from './errors.js';
export { FileDataset, registerDataset, type FormatDefaults } from './file-dataset.js';
export { inspectDataset, inspectOptions, type DatasetReport, type InspectOptions } from './inspect.js';
export * from './io.js';
export { KITTIDataset } from './kitti.js';
export { applyLut, checkLabelValues, histogram, labelLut } from './labels.js';
export {
  LoadAnnotations,
  LoadAnnotationsOptions,
  LoadDepthAnnotation,
  LoadDepthAnnotationOptions,
  LoadImageFromFile,
  LoadImageFromFileOptions,
  readDepthMap,
  readSegMap,
} from './loading.js';
export type { Metainfo, Rgb } from './meta.js';
export { LoadBiomedicalAnnotation, LoadBiomedicalImageFromFile } from './medical/loading3d.js';
export { IntensityWindow, Pad3D, RandomCrop3D, RandomFlip3D, RandomRotate90, ResampleToSpacing, ZScoreNormalize } from './medical/transforms3d.js';
export { NiftiFolderDataset } from './nifti-folder.js';
export { SynapseDataset3D } from './synapse3d.js';
export { ACDCDataset } from './acdc.js';
export { readMnist, type MnistSet } from './mnist.js';
export { NYUDataset } from './nyu.js';
export {
  PascalContextDataset,
  PascalContextDataset59,
  PASCAL_CONTEXT_CLASSES,
  PASCAL_CONTEXT_PALETTE,
} from './pascal-context.js';
export {
  SyntheticDepthDataset,
  SyntheticDepthDatasetOptions,
  prepareSyntheticDepth,
  syntheticDepthScenes,
} from './synthetic-depth.js';
export { SliceDataset, SynapseDataset, SYNAPSE_CLASSES, SYNAPSE_PALETTE } from './synapse.js';
export { PascalVOCDataset, VOC_CLASSES, VOC_PALETTE } from './voc.js';
