/**
 * COCO-Stuff, 171 classes, labels as written by mmseg's converters (`*_labelTrainIds.png`):
 * - 164k: `images/{train2017,val2017}/*.jpg`, `annotations/{train2017,val2017}/*_labelTrainIds.png`, ids 0..170,
 *   255 = unlabelled (reduce_zero_label false, the default);
 * - 10k: `images/{train2014,test2014}/*.jpg`, `annotations/{train2014,test2014}/*_labelTrainIds.png`, ids 1..171,
 *   0 = unlabelled: set reduce_zero_label true (as mmseg's coco-stuff10k config).
 * Classes and palette as mmseg's mmseg/datasets/coco_stuff.py.
 */
import { BaseSegDataset, segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import type { Metainfo, Rgb } from './meta.js';
import { COCO_STUFF_PALETTE } from '../lib/viz/palettes.js';

export const COCO_STUFF_CLASSES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
  'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
  'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
  'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
  'hair drier', 'toothbrush', 'banner', 'blanket', 'branch', 'bridge', 'building-other', 'bush', 'cabinet',
  'cage', 'cardboard', 'carpet', 'ceiling-other', 'ceiling-tile', 'cloth', 'clothes', 'clouds', 'counter',
  'cupboard', 'curtain', 'desk-stuff', 'dirt', 'door-stuff', 'fence', 'floor-marble', 'floor-other',
  'floor-stone', 'floor-tile', 'floor-wood', 'flower', 'fog', 'food-other', 'fruit', 'furniture-other', 'grass',
  'gravel', 'ground-other', 'hill', 'house', 'leaves', 'light', 'mat', 'metal', 'mirror-stuff', 'moss',
  'mountain', 'mud', 'napkin', 'net', 'paper', 'pavement', 'pillow', 'plant-other', 'plastic', 'platform',
  'playingfield', 'railing', 'railroad', 'river', 'road', 'rock', 'roof', 'rug', 'salad', 'sand', 'sea',
  'shelf', 'sky-other', 'skyscraper', 'snow', 'solid-other', 'stairs', 'stone', 'straw', 'structural-other',
  'table', 'tent', 'textile-other', 'towel', 'tree', 'vegetable', 'wall-brick', 'wall-concrete', 'wall-other',
  'wall-panel', 'wall-stone', 'wall-tile', 'wall-wood', 'water-other', 'waterdrops', 'window-blind',
  'window-other', 'wood',
];

export { COCO_STUFF_PALETTE };

export class COCOStuffDataset extends BaseSegDataset {
  static override readonly METAINFO: Metainfo = { classes: COCO_STUFF_CLASSES, palette: COCO_STUFF_PALETTE };
  static override readonly FORMAT: FormatDefaults = {
    imgPath: '',
    annPath: '',
    imgSuffix: '.jpg',
    annSuffix: '_labelTrainIds.png',
    reduceZeroLabel: false,
  };
  static override readonly OPTIONS = segDatasetOptions(
    'COCOStuffDataset',
    'COCO-Stuff 164k / 10k, 171 classes, *_labelTrainIds.png',
    this,
  );
}

registerDataset(COCOStuffDataset.OPTIONS, (o, ctx) => new COCOStuffDataset(o, ctx));
