/**
 * ACDC cardiac cine MRI: `patientXXX/patientXXX_frameYY.nii.gz` (the ED and ES frames) with
 * `patientXXX_frameYY_gt.nii.gz` beside them; the 4D series `patientXXX_4d.nii.gz` is not a sample. Classes as
 * nnU-Net's Dataset027_ACDC: background, right ventricle, myocardium, left ventricle.
 */
import { segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import type { Metainfo } from './meta.js';
import { NiftiFolderDataset } from './nifti-folder.js';

export class ACDCDataset extends NiftiFolderDataset {
  static override readonly METAINFO: Metainfo = {
    classes: ['background', 'RV', 'MYO', 'LV'],
    palette: [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]],
  };
  static override readonly FORMAT: FormatDefaults = {
    imgPath: 'training',
    annPath: 'training',
    imgSuffix: '.nii.gz',
    annSuffix: '_gt.nii.gz',
    reduceZeroLabel: false,
  };
  static override readonly OPTIONS = segDatasetOptions('ACDCDataset', 'ACDC cine MRI frames (ED, ES) with their _gt labels: RV, MYO, LV', this);

  /** The frames only: not the 4D series, not the labels. */
  protected override keepImage(stem: string): boolean {
    return /_frame\d+$/.test(stem);
  }
}

registerDataset(ACDCDataset.OPTIONS, (o, ctx) => new ACDCDataset(o, ctx));
