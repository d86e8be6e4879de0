/**
 * ADE20K (SceneParsing, ADEChallengeData2016): `images/{training,validation}/ADE_*.jpg` and
 * `annotations/{training,validation}/ADE_*.png`. 0 = "other", not among the 150 classes, so reduce_zero_label is fixed
 * to true (0 -> 255, x -> x-1). Classes and palette as mmseg's mmseg/datasets/ade.py (including its 'bed ').
 */
import { BaseSegDataset, segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import type { Metainfo, Rgb } from './meta.js';
import { ADE20K_PALETTE } from '../lib/viz/palettes.js';

export const ADE20K_CLASSES: readonly string[] = [
  'wall', 'building', 'sky', 'floor', 'tree', 'ceiling', 'road', 'bed ', 'windowpane', 'grass', 'cabinet',
  'sidewalk', 'person', 'earth', 'door', 'table', 'mountain', 'plant', 'curtain', 'chair', 'car', 'water',
  'painting', 'sofa', 'shelf', 'house', 'sea', 'mirror', 'rug', 'field', 'armchair', 'seat', 'fence', 'desk',
  'rock', 'wardrobe', 'lamp', 'bathtub', 'railing', 'cushion', 'base', 'box', 'column', 'signboard',
  'chest of drawers', 'counter', 'sand', 'sink', 'skyscraper', 'fireplace', 'refrigerator', 'grandstand',
  'path', 'stairs', 'runway', 'case', 'pool table', 'pillow', 'screen door', 'stairway', 'river', 'bridge',
  'bookcase', 'blind', 'coffee table', 'toilet', 'flower', 'book', 'hill', 'bench', 'countertop', 'stove',
  'palm', 'kitchen island', 'computer', 'swivel chair', 'boat', 'bar', 'arcade machine', 'hovel', 'bus',
  'towel', 'light', 'truck', 'tower', 'chandelier', 'awning', 'streetlight', 'booth', 'television receiver',
  'airplane', 'dirt track', 'apparel', 'pole', 'land', 'bannister', 'escalator', 'ottoman', 'bottle', 'buffet',
  'poster', 'stage', 'van', 'ship', 'fountain', 'conveyer belt', 'canopy', 'washer', 'plaything',
  'swimming pool', 'stool', 'barrel', 'basket', 'waterfall', 'tent', 'bag', 'minibike', 'cradle', 'oven',
  'ball', 'food', 'step', 'tank', 'trade name', 'microwave', 'pot', 'animal', 'bicycle', 'lake', 'dishwasher',
  'screen', 'blanket', 'sculpture', 'hood', 'sconce', 'vase', 'traffic light', 'tray', 'ashcan', 'fan', 'pier',
  'crt screen', 'plate', 'monitor', 'bulletin board', 'shower', 'radiator', 'glass', 'clock', 'flag',
];

export { ADE20K_PALETTE };

export class ADE20KDataset extends BaseSegDataset {
  static override readonly METAINFO: Metainfo = { classes: ADE20K_CLASSES, palette: ADE20K_PALETTE };
  static override readonly FORMAT: FormatDefaults = {
    imgPath: '',
    annPath: '',
    imgSuffix: '.jpg',
    annSuffix: '.png',
    reduceZeroLabel: true,
    fixedReduceZeroLabel: true,
  };
  static override readonly OPTIONS = segDatasetOptions(
    'ADE20KDataset',
    'ADE20K (SceneParsing), 150 classes, reduce_zero_label fixed to true',
    this,
  );
}

registerDataset(ADE20KDataset.OPTIONS, (o, ctx) => new ADE20KDataset(o, ctx));
