/**
 * NYU Depth v2 as mmseg lays it out (tools/dataset_converters/nyu.py): `images/{train,test}/<scene>_<id>.jpg` and
 * `annotations/{train,test}/<scene>_<id>.png`, uint16 millimetres (depth_scale 1000), 0 = no measurement.
 * BTS lists (`/<scene>/rgb_00000.jpg /<scene>/sync_depth_00000.png 518.8579` per line) work as ann_file.
 * Evaluation: 1e-3..10 m, Eigen crop (rows 45:471, cols 41:601 of 480x640).
 */
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import { DepthDataset, depthDatasetOptions, type DepthDefaults } from './depth.js';

export class NYUDataset extends DepthDataset {
  static override readonly FORMAT: FormatDefaults = {
    imgPath: 'images',
    annPath: 'annotations',
    imgSuffix: '.jpg',
    annSuffix: '.png',
    reduceZeroLabel: false,
  };
  static override readonly DEPTH: DepthDefaults = {
    depthScale: 1000,
    maxDepth: 10,
    minDepth: 1e-3,
    evalCrop: 'eigen',
    evalCrops: { eigen: 'nyu_crop' },
  };
  static override readonly OPTIONS = depthDatasetOptions(
    'NYUDataset',
    'NYU Depth v2, uint16 mm PNGs (depth_scale 1000), max 10 m, Eigen crop',
    this,
  );
}

registerDataset(NYUDataset.OPTIONS, (o, ctx) => new NYUDataset(o, ctx));
