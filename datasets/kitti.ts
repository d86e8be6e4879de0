/**
 * KITTI depth (Eigen split): RGB frames and the annotated depth of data_depth_annotated, uint16 PNGs with
 * metres = value / 256 and 0 = no measurement (KITTI devkit's depth_read). The image and depth trees differ, so the
 * usual layout is a BTS list as ann_file, `<img relpath> <depth relpath> <focal>` per line (relative to
 * data_prefix.img_path and depth_map_path; lines whose depth is `None` are skipped: 652 of the 697 Eigen test
 * images have ground truth). Without ann_file images and depth maps are paired by name as in BaseSegDataset.
 * Evaluation: 1e-3..80 m, Garg crop (default) or Eigen crop.
 */
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import { DepthDataset, depthDatasetOptions, type DepthDefaults } from './depth.js';

export class KITTIDataset extends DepthDataset {
  static override readonly FORMAT: FormatDefaults = { ...DepthDataset.FORMAT, imgSuffix: '.png' };
  static override readonly DEPTH: DepthDefaults = {
    depthScale: 256,
    maxDepth: 80,
    minDepth: 1e-3,
    evalCrop: 'garg',
    evalCrops: { garg: 'garg_crop', eigen: 'eigen_crop' },
  };
  static override readonly OPTIONS = depthDatasetOptions(
    'KITTIDataset',
    'KITTI depth (Eigen split), uint16 PNGs / 256, 0 = invalid, max 80 m, Garg or Eigen crop',
    this,
  );
}

registerDataset(KITTIDataset.OPTIONS, (o, ctx) => new KITTIDataset(o, ctx));
