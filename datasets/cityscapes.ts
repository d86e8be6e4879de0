/**
 * Cityscapes: `leftImg8bit/{train,val,test}/<city>/*_leftImg8bit.png` paired with the generated
 * `gtFine/{split}/<city>/*_gtFine_labelTrainIds.png` (19 train ids 0..18, 255 = ignore). Classes and palette as mmseg's
 * mmseg/datasets/cityscapes.py.
 */
import { BaseSegDataset, segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import type { Metainfo, Rgb } from './meta.js';
import { CITYSCAPES_PALETTE } from '../lib/viz/palettes.js';

export const CITYSCAPES_CLASSES: readonly string[] = [
  'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign', 'vegetation',
  'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle',
];

export { CITYSCAPES_PALETTE };

export class CityscapesDataset extends BaseSegDataset {
  static override readonly METAINFO: Metainfo = { classes: CITYSCAPES_CLASSES, palette: CITYSCAPES_PALETTE };
  static override readonly FORMAT: FormatDefaults = {
    imgPath: '',
    annPath: '',
    imgSuffix: '_leftImg8bit.png',
    annSuffix: '_gtFine_labelTrainIds.png',
    reduceZeroLabel: false,
  };
  static override readonly OPTIONS = segDatasetOptions(
    'CityscapesDataset',
    'Cityscapes, 19 train ids, *_leftImg8bit.png / *_gtFine_labelTrainIds.png',
    this,
  );
}

registerDataset(CityscapesDataset.OPTIONS, (o, ctx) => new CityscapesDataset(o, ctx));
