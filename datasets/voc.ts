/**
 * Pascal VOC 2012: `JPEGImages/*.jpg`, `SegmentationClass/*.png` (palette PNGs whose indices are the class ids,
 * 0 = background .. 20 = tvmonitor, 255 = object borders, ignored) and the split files
 * `ImageSets/Segmentation/{train,val,trainval}.txt` (ann_file, required). The SBD-augmented set is the same with
 * `seg_map_path: 'SegmentationClassAug'`. Classes and palette as mmseg's mmseg/datasets/voc.py.
 */
import { BaseSegDataset, segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import type { Metainfo, Rgb } from './meta.js';
import { VOC_PALETTE } from '../lib/viz/palettes.js';

export const VOC_CLASSES: readonly string[] = [
  'background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

export { VOC_PALETTE };

export class PascalVOCDataset extends BaseSegDataset {
  static override readonly METAINFO: Metainfo = { classes: VOC_CLASSES, palette: VOC_PALETTE };
  static override readonly FORMAT: FormatDefaults = {
    imgPath: 'JPEGImages',
    annPath: 'SegmentationClass',
    imgSuffix: '.jpg',
    annSuffix: '.png',
    reduceZeroLabel: false,
    annFileRequired: true,
  };
  static override readonly OPTIONS = segDatasetOptions(
    'PascalVOCDataset',
    'Pascal VOC 2012, 21 classes, palette-index PNGs, split file',
    this,
  );
}

registerDataset(PascalVOCDataset.OPTIONS, (o, ctx) => new PascalVOCDataset(o, ctx));
