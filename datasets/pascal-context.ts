/**
 * Pascal Context (VOC2010 images): `JPEGImages/*.jpg`, `SegmentationClassContext/*.png` (made by mmseg's
 * tools/dataset_converters/pascal_context.py) and `ImageSets/SegmentationContext/{train,val}.txt` (ann_file,
 * required). Two settings, as mmseg's mmseg/datasets/pascal_context.py:
 * - PascalContextDataset: 60 classes, 0 = background is a class (reduce_zero_label fixed to false);
 * - PascalContextDataset59: 59 classes, background ignored (reduce_zero_label fixed to true).
 */
import { BaseSegDataset, segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import type { Metainfo, Rgb } from './meta.js';
import { PASCAL_CONTEXT_PALETTE } from '../lib/viz/palettes.js';

export const PASCAL_CONTEXT_CLASSES: readonly string[] = [
  'background', 'aeroplane', 'bag', 'bed', 'bedclothes', 'bench', 'bicycle', 'bird', 'boat', 'book', 'bottle',
  'building', 'bus', 'cabinet', 'car', 'cat', 'ceiling', 'chair', 'cloth', 'computer', 'cow', 'cup', 'curtain',
  'dog', 'door', 'fence', 'floor', 'flower', 'food', 'grass', 'ground', 'horse', 'keyboard', 'light', 'motorbike',
  'mountain', 'mouse', 'person', 'plate', 'platform', 'pottedplant', 'road', 'rock', 'sheep', 'shelves',
  'sidewalk', 'sign', 'sky', 'snow', 'sofa', 'table', 'track', 'train', 'tree', 'truck', 'tvmonitor', 'wall',
  'water', 'window', 'wood',
];

export { PASCAL_CONTEXT_PALETTE };

const CONTEXT_FORMAT = {
  imgPath: 'JPEGImages',
  annPath: 'SegmentationClassContext',
  imgSuffix: '.jpg',
  annSuffix: '.png',
  fixedReduceZeroLabel: true,
  annFileRequired: true,
} as const;

export class PascalContextDataset extends BaseSegDataset {
  static override readonly METAINFO: Metainfo = { classes: PASCAL_CONTEXT_CLASSES, palette: PASCAL_CONTEXT_PALETTE };
  static override readonly FORMAT: FormatDefaults = { ...CONTEXT_FORMAT, reduceZeroLabel: false };
  static override readonly OPTIONS = segDatasetOptions(
    'PascalContextDataset',
    'Pascal Context, 60 classes (background included)',
    this,
  );
}

export class PascalContextDataset59 extends BaseSegDataset {
  static override readonly METAINFO: Metainfo = {
    classes: PASCAL_CONTEXT_CLASSES.slice(1),
    palette: PASCAL_CONTEXT_PALETTE.slice(1),
  };
  static override readonly FORMAT: FormatDefaults = { ...CONTEXT_FORMAT, reduceZeroLabel: true };
  static override readonly OPTIONS = segDatasetOptions(
    'PascalContextDataset59',
    'Pascal Context, 59 classes (background ignored)',
    this,
  );
}

registerDataset(PascalContextDataset.OPTIONS, (o, ctx) => new PascalContextDataset(o, ctx));
registerDataset(PascalContextDataset59.OPTIONS, (o, ctx) => new PascalContextDataset59(o, ctx));
