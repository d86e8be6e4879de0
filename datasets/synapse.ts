/**
 * Synapse multi-organ CT in the TransUNet layout, as HiFormer, TransUNet and Swin-Unet read it:
 *
 * ```
 * data_root/
 *   train_npz/caseXXXX_sliceYYY.npz      image [512, 512] float (HU clipped to [-125, 275], scaled to [0, 1]), label
 *   test_vol_h5/caseXXXX.npy.h5          image and label [D, 512, 512]
 *   lists/lists_Synapse/train.txt        caseXXXX_sliceYYY per line (2,211 slices of 18 cases)
 *   lists/lists_Synapse/test_vol.txt     caseXXXX per line (12 cases)
 * ```
 * `SliceDataset` reads this layout for any classes (`metainfo`); `SynapseDataset` is it with Synapse's classes.
 * A slice's image and label share one file, so `seg_map_path` defaults to the image folder. With HDF5 files
 * (`img_suffix` '.npy.h5') each volume is listed slice by slice along axis 0, every sample knowing its case and slice
 * (`Sample.volume`), so evaluation can put the volume back together (DiceHD95Metric). 8 organs + background with
 * TransUNet's mapping of the 13 challenge labels (see medical/synapse-labels.ts); `segvit convert synapse` writes
 * this layout from the raw challenge volumes.
 */
import { basename } from 'node:path';
import { BaseSegDataset, segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import { h5Shapes } from './medical/h5.js';
import type { Metainfo, Rgb } from './meta.js';
import type { Sample } from './types.js';

export const SYNAPSE_CLASSES: readonly string[] = [
  'background', 'aorta', 'gallbladder', 'left_kidney', 'right_kidney', 'liver', 'pancreas', 'spleen', 'stomach',
];

export const SYNAPSE_PALETTE: readonly Rgb[] = [
  [0, 0, 0], [0, 0, 255], [0, 255, 0], [255, 0, 0], [0, 255, 255], [255, 0, 255], [255, 255, 0], [60, 255, 255],
  [240, 240, 240],
];

const VOLUME_SUFFIX = /\.(h5|hdf5)$/i;

/** Sample i of a volume dataset: file `file`, axis-0 slice `slice` of `slices`. */
interface SliceRef {
  file: number;
  slice: number;
  slices: number;
  name: string;
}

/** TransUNet's layout for any volumes: the classes come from `metainfo` (e.g. what `segvit convert nifti` wrote). */
export class SliceDataset extends BaseSegDataset {
  static override readonly FORMAT: FormatDefaults = {
    imgPath: 'train_npz',
    annPath: 'train_npz',
    imgSuffix: '.npz',
    annSuffix: '.npz',
    reduceZeroLabel: false,
  };
  static override readonly OPTIONS = segDatasetOptions(
    'SliceDataset',
    "TransUNet's layout: .npz slices (image, label), or .npy.h5 volumes read slice by slice; metainfo.classes required",
    this,
  );

  /** Per sample, where it is in which volume; undefined for a dataset of .npz slices. */
  #slices?: SliceRef[];

  /** Whether the files are volumes (read slice by slice) rather than slices. */
  readonly #volumes: boolean = VOLUME_SUFFIX.test(super.info(0).imgPath);

  override get length(): number {
    if (!this.#volumes) return super.length;
    if (this.#slices === undefined) throw new Error(`${this.constructor.name}: call open() before reading the slices of its volumes`);
    return this.#slices.length;
  }

  /** The slice counts of the volumes, each volume's image and label checked to have one shape. */
  async open(): Promise<void> {
    if (!this.#volumes || this.#slices !== undefined) return;
    const slices: SliceRef[] = [];
    for (let file = 0; file < super.length; file++) {
      const { imgPath, segMapPath } = super.info(file);
      const shapes = await h5Shapes(imgPath, ['image', 'label']);
      const [image, label] = [shapes.image!, shapes.label!];
      if (image.length !== 3 || image.join() !== label.join()) {
        throw new Error(
          `${imgPath}: image is [${image.join(', ')}] and label [${label.join(', ')}]; a volume is [D, H, W] for both`,
        );
      }
      if (segMapPath !== undefined && segMapPath !== imgPath) await h5Shapes(segMapPath, ['label']);
      const name = basename(imgPath).replace(/\.npy\.h5$|\.h5$|\.hdf5$/i, '');
      for (let slice = 0; slice < image[0]!; slice++) slices.push({ file, slice, slices: image[0]!, name });
    }
    this.#slices = slices;
  }

  override info(index: number): Sample {
    if (!this.#volumes) return super.info(index);
    const ref = this.#slices?.[index];
    if (ref === undefined) {
      if (this.#slices === undefined) void this.length;
      throw new RangeError(`sample ${index} out of range: the dataset has ${this.length} slices`);
    }
    const { file, slice, slices, name } = ref;
    return { ...super.info(file), index, volume: { name, slice, slices } };
  }
}

/** Synapse multi-organ CT with TransUNet's 8 organs. */
export class SynapseDataset extends SliceDataset {
  static override readonly METAINFO: Metainfo = { classes: SYNAPSE_CLASSES, palette: SYNAPSE_PALETTE };
  static override readonly OPTIONS = segDatasetOptions(
    'SynapseDataset',
    "Synapse CT (8 organs) in TransUNet's layout: .npz slices (image, label), or .npy.h5 volumes read slice by slice",
    this,
  );
}

registerDataset(SliceDataset.OPTIONS, (o, ctx) => new SliceDataset(o, ctx));
registerDataset(SynapseDataset.OPTIONS, (o, ctx) => new SynapseDataset(o, ctx));
