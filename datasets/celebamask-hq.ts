/**
 * CelebAMask-HQ: `CelebA-HQ-img/{id}.jpg` (1024²) and per-attribute binary masks
 * `CelebAMask-HQ-mask-anno/{id div 2000}/{id:05d}_{attr}.png` (512²). The masks of an image are merged in the official
 * order (switchablenorms/CelebAMask-HQ face_parsing/Data_preprocessing/g_mask.py) into ids 1..18, later masks
 * overwriting earlier ones, 0 = background: 19 classes. The merged map is scaled (nearest) to the image when the
 * image is loaded first. Splits: an ann_file of ids (CelebA's list_eval_partition.txt through
 * CelebA-HQ-to-CelebA-mapping.txt gives 24,183 / 2,993 / 2,824). Palette as the official g_color.py.
 */
import { join } from 'node:path';
import { BaseSegDataset, segDatasetOptions } from './base.js';
import { registerDataset, type FormatDefaults } from './file-dataset.js';
import { CLASS_PLACEHOLDER } from './class-masks.js';
import type { Metainfo, Rgb } from './meta.js';
import { CELEBAMASK_HQ_PALETTE } from '../lib/viz/palettes.js';

/** Background, then the attribute names of the mask files in merge order. */
export const CELEBAMASK_HQ_CLASSES: readonly string[] = [
  'background', 'skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'l_ear', 'r_ear', 'mouth', 'u_lip',
  'l_lip', 'hair', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth',
];

export { CELEBAMASK_HQ_PALETTE };

/** Images per mask folder of the official archive. */
const IMAGES_PER_FOLDER = 2000;

export class CelebAMaskHQDataset extends BaseSegDataset {
  static override readonly METAINFO: Metainfo = { classes: CELEBAMASK_HQ_CLASSES, palette: CELEBAMASK_HQ_PALETTE };
  static override readonly FORMAT: FormatDefaults = {
    imgPath: 'CelebA-HQ-img',
    annPath: 'CelebAMask-HQ-mask-anno',
    imgSuffix: '.jpg',
    annSuffix: '.png',
    reduceZeroLabel: false,
  };
  static override readonly OPTIONS = segDatasetOptions(
    'CelebAMaskHQDataset',
    'CelebAMask-HQ, 19 classes merged from per-attribute masks',
    this,
  );

  /** The mask template of image `{id}`: `{dir}/{id div 2000}/{id:05d}_{class}{suffix}`. */
  protected override annotationFor(stem: string, dir: string, suffix: string): string {
    const name = stem.split('/').pop()!;
    if (!/^\d+$/.test(name)) {
      throw new Error(`CelebAMaskHQDataset: image name '${stem}' is not a number (CelebA-HQ-img/{id}.jpg)`);
    }
    const id = Number(name);
    const folder = String(Math.floor(id / IMAGES_PER_FOLDER));
    return join(dir, folder, `${name.padStart(5, '0')}_${CLASS_PLACEHOLDER}${suffix}`);
  }
}

registerDataset(CelebAMaskHQDataset.OPTIONS, (o, ctx) => new CelebAMaskHQDataset(o, ctx));
