/**
 * The Synapse multi-organ CT challenge (BTCV) as released: `img/imgXXXX.nii.gz` and `label/labelXXXX.nii.gz`, 13
 * organ labels mapped to TransUNet's 8 organs by the default label_map, and TransUNet's split (12 test cases, the 18
 * others for training) as the `split` option. Read volume by volume (LoadBiomedicalImageFromFile).
 */
import { join } from 'node:path';
import { choice, defineOptions, option } from '../lib/config/declare.js';
import { segDatasetOptions } from './base.js';
import { registerDataset, type FileSource, type FormatDefaults } from './file-dataset.js';
import { SYNAPSE_LABEL_MAP, SYNAPSE_TEST_CASES } from './medical/synapse-convert.js';
import type { Metainfo } from './meta.js';
import { NiftiFolderDataset } from './nifti-folder.js';
import { SYNAPSE_CLASSES, SYNAPSE_PALETTE } from './synapse.js';

const SPLITS = ['train', 'test', 'all'] as const;
const DESCRIPTION = "Synapse CT volumes as released (img/, label/), 13 labels -> TransUNet's 8 organs, TransUNet's 18/12 split";

export class SynapseDataset3D extends NiftiFolderDataset {
  static override readonly METAINFO: Metainfo = { classes: SYNAPSE_CLASSES, palette: SYNAPSE_PALETTE };
  static override readonly FORMAT: FormatDefaults = {
    imgPath: 'img',
    annPath: 'label',
    imgSuffix: '.nii.gz',
    annSuffix: '.nii.gz',
    reduceZeroLabel: false,
    labelMap: Object.fromEntries([...Array(14).keys()].map((l) => [l, SYNAPSE_LABEL_MAP.get(l) ?? 0])),
  };
  static override readonly OPTIONS = defineOptions('SynapseDataset3D', DESCRIPTION, {
    ...segDatasetOptions('SynapseDataset3D', DESCRIPTION, this).properties,
    split: option(choice(SPLITS), 'all', "TransUNet's test cases (test), the other 18 (train), or every case"),
  });

  /** `imgXXXX` is case XXXX, in the split's half. */
  protected override keepImage(stem: string, o: FileSource): boolean {
    const split = (o as FileSource & { split: (typeof SPLITS)[number] }).split;
    const test = SYNAPSE_TEST_CASES.includes(`case${stem.replace(/^img/, '')}`);
    return split === 'all' || (split === 'test') === test;
  }

  /** `labelXXXX` beside `imgXXXX`. */
  protected override annotationFor(stem: string, dir: string, suffix: string): string {
    return join(dir, stem.replace(/^img/, 'label') + suffix);
  }
}

registerDataset(SynapseDataset3D.OPTIONS, (o, ctx) => new SynapseDataset3D(o, ctx));
