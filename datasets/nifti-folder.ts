/**
 * Volumes and their label volumes in two folders, paired by name (any NIfTI image/label folder pair, e.g. nnU-Net's
 * imagesTr / labelsTr with matching names): BaseSegDataset's pairing with .nii.gz files, read by
 * LoadBiomedicalImageFromFile and LoadBiomedicalAnnotation. `metainfo.classes` names the labels.
 */
import { BaseSegDataset, segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';

export class NiftiFolderDataset extends BaseSegDataset {
  static override readonly FORMAT: FormatDefaults = {
    imgPath: 'images',
    annPath: 'labels',
    imgSuffix: '.nii.gz',
    annSuffix: '.nii.gz',
    reduceZeroLabel: false,
  };
  static override readonly OPTIONS = segDatasetOptions(
    'NiftiFolderDataset',
    'NIfTI volumes and label volumes paired by name in two folders; metainfo.classes required',
    this,
  );
}

registerDataset(NiftiFolderDataset.OPTIONS, (o, ctx) => new NiftiFolderDataset(o, ctx));
