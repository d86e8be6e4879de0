/**
 * Class colour palettes (RGB, index = class id) of the datasets segvit knows, with the values of mmsegmentation's
 * dataset `METAINFO` (mmseg/datasets/{ade,cityscapes,voc,pascal_context,coco_stuff}.py), so a mask drawn here looks
 * like one drawn by mmseg; plus a seeded palette for custom datasets that bring none.
 */
import { Rng } from '../random.js';

/** One colour, [r, g, b] in 0..255. */
export type Rgb = [number, number, number];

/** ADE20K, 150 classes (mmseg `ADE20KDataset`). */
export const ADE20K_PALETTE: readonly Rgb[] = [
  [120, 120, 120], [180, 120, 120], [6, 230, 230], [80, 50, 50],
  [4, 200, 3], [120, 120, 80], [140, 140, 140], [204, 5, 255],
  [230, 230, 230], [4, 250, 7], [224, 5, 255], [235, 255, 7],
  [150, 5, 61], [120, 120, 70], [8, 255, 51], [255, 6, 82],
  [143, 255, 140], [204, 255, 4], [255, 51, 7], [204, 70, 3],
  [0, 102, 200], [61, 230, 250], [255, 6, 51], [11, 102, 255],
  [255, 7, 71], [255, 9, 224], [9, 7, 230], [220, 220, 220],
  [255, 9, 92], [112, 9, 255], [8, 255, 214], [7, 255, 224],
  [255, 184, 6], [10, 255, 71], [255, 41, 10], [7, 255, 255],
  [224, 255, 8], [102, 8, 255], [255, 61, 6], [255, 194, 7],
  [255, 122, 8], [0, 255, 20], [255, 8, 41], [255, 5, 153],
  [6, 51, 255], [235, 12, 255], [160, 150, 20], [0, 163, 255],
  [140, 140, 140], [250, 10, 15], [20, 255, 0], [31, 255, 0],
  [255, 31, 0], [255, 224, 0], [153, 255, 0], [0, 0, 255],
  [255, 71, 0], [0, 235, 255], [0, 173, 255], [31, 0, 255],
  [11, 200, 200], [255, 82, 0], [0, 255, 245], [0, 61, 255],
  [0, 255, 112], [0, 255, 133], [255, 0, 0], [255, 163, 0],
  [255, 102, 0], [194, 255, 0], [0, 143, 255], [51, 255, 0],
  [0, 82, 255], [0, 255, 41], [0, 255, 173], [10, 0, 255],
  [173, 255, 0], [0, 255, 153], [255, 92, 0], [255, 0, 255],
  [255, 0, 245], [255, 0, 102], [255, 173, 0], [255, 0, 20],
  [255, 184, 184], [0, 31, 255], [0, 255, 61], [0, 71, 255],
  [255, 0, 204], [0, 255, 194], [0, 255, 82], [0, 10, 255],
  [0, 112, 255], [51, 0, 255], [0, 194, 255], [0, 122, 255],
  [0, 255, 163], [255, 153, 0], [0, 255, 10], [255, 112, 0],
  [143, 255, 0], [82, 0, 255], [163, 255, 0], [255, 235, 0],
  [8, 184, 170], [133, 0, 255], [0, 255, 92], [184, 0, 255],
  [255, 0, 31], [0, 184, 255], [0, 214, 255], [255, 0, 112],
  [92, 255, 0], [0, 224, 255], [112, 224, 255], [70, 184, 160],
  [163, 0, 255], [153, 0, 255], [71, 255, 0], [255, 0, 163],
  [255, 204, 0], [255, 0, 143], [0, 255, 235], [133, 255, 0],
  [255, 0, 235], [245, 0, 255], [255, 0, 122], [255, 245, 0],
  [10, 190, 212], [214, 255, 0], [0, 204, 255], [20, 0, 255],
  [255, 255, 0], [0, 153, 255], [0, 41, 255], [0, 255, 204],
  [41, 0, 255], [41, 255, 0], [173, 0, 255], [0, 245, 255],
  [71, 0, 255], [122, 0, 255], [0, 255, 184], [0, 92, 255],
  [184, 255, 0], [0, 133, 255], [255, 214, 0], [25, 194, 194],
  [102, 255, 0], [92, 0, 255],
];

/** Cityscapes, 19 train ids (mmseg `CityscapesDataset`; the official cityscapesScripts colours). */
export const CITYSCAPES_PALETTE: readonly Rgb[] = [
  [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156],
  [190, 153, 153], [153, 153, 153], [250, 170, 30], [220, 220, 0],
  [107, 142, 35], [152, 251, 152], [70, 130, 180], [220, 20, 60],
  [255, 0, 0], [0, 0, 142], [0, 0, 70], [0, 60, 100],
  [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

/** Pascal VOC 2012, 21 classes with background (mmseg `PascalVOCDataset`; the VOC devkit colour map). */
export const VOC_PALETTE: readonly Rgb[] = [
  [0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0],
  [0, 0, 128], [128, 0, 128], [0, 128, 128], [128, 128, 128],
  [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0],
  [64, 0, 128], [192, 0, 128], [64, 128, 128], [192, 128, 128],
  [0, 64, 0], [128, 64, 0], [0, 192, 0], [128, 192, 0],
  [0, 64, 128],
];

/** Pascal Context, 60 classes with background (mmseg `PascalContextDataset`): ADE20K's first 60 colours. */
export const PASCAL_CONTEXT_PALETTE: readonly Rgb[] = ADE20K_PALETTE.slice(0, 60);

/** Pascal Context, 59 classes without background (mmseg `PascalContextDataset59`): the 60 above less the first. */
export const PASCAL_CONTEXT_59_PALETTE: readonly Rgb[] = ADE20K_PALETTE.slice(1, 60);

/** COCO-Stuff, 171 classes (mmseg `COCOStuffDataset`). Some classes share a colour there (e.g. person, bicycle). */
export const COCO_STUFF_PALETTE: readonly Rgb[] = [
  [0, 192, 64], [0, 192, 64], [0, 64, 96], [128, 192, 192],
  [0, 64, 64], [0, 192, 224], [0, 192, 192], [128, 192, 64],
  [0, 192, 96], [128, 192, 64], [128, 32, 192], [0, 0, 224],
  [0, 0, 64], [0, 160, 192], [128, 0, 96], [128, 0, 192],
  [0, 32, 192], [128, 128, 224], [0, 0, 192], [128, 160, 192],
  [128, 128, 0], [128, 0, 32], [128, 32, 0], [128, 0, 128],
  [64, 128, 32], [0, 160, 0], [0, 0, 0], [192, 128, 160],
  [0, 32, 0], [0, 128, 128], [64, 128, 160], [128, 160, 0],
  [0, 128, 0], [192, 128, 32], [128, 96, 128], [0, 0, 128],
  [64, 0, 32], [0, 224, 128], [128, 0, 0], [192, 0, 160],
  [0, 96, 128], [128, 128, 128], [64, 0, 160], [128, 224, 128],
  [128, 128, 64], [192, 0, 32], [128, 96, 0], [128, 0, 192],
  [0, 128, 32], [64, 224, 0], [0, 0, 64], [128, 128, 160],
  [64, 96, 0], [0, 128, 192], [0, 128, 160], [192, 224, 0],
  [0, 128, 64], [128, 128, 32], [192, 32, 128], [0, 64, 192],
  [0, 0, 32], [64, 160, 128], [128, 64, 64], [128, 0, 160],
  [64, 32, 128], [128, 192, 192], [0, 0, 160], [192, 160, 128],
  [128, 192, 0], [128, 0, 96], [192, 32, 0], [128, 64, 128],
  [64, 128, 96], [64, 160, 0], [0, 64, 0], [192, 128, 224],
  [64, 32, 0], [0, 192, 128], [64, 128, 224], [192, 160, 0],
  [0, 192, 0], [192, 128, 96], [192, 96, 128], [0, 64, 128],
  [64, 0, 96], [64, 224, 128], [128, 64, 0], [192, 0, 224],
  [64, 96, 128], [128, 192, 128], [64, 0, 224], [192, 224, 128],
  [128, 192, 64], [192, 0, 96], [192, 96, 0], [128, 64, 192],
  [0, 128, 96], [0, 224, 0], [64, 64, 64], [128, 128, 224],
  [0, 96, 0], [64, 192, 192], [0, 128, 224], [128, 224, 0],
  [64, 192, 64], [128, 128, 96], [128, 32, 128], [64, 0, 192],
  [0, 64, 96], [0, 160, 128], [192, 0, 64], [128, 64, 224],
  [0, 32, 128], [192, 128, 192], [0, 64, 224], [128, 160, 128],
  [192, 128, 0], [128, 64, 32], [128, 32, 64], [192, 0, 128],
  [64, 192, 32], [0, 160, 64], [64, 0, 0], [192, 192, 160],
  [0, 32, 64], [64, 128, 128], [64, 192, 160], [128, 160, 64],
  [64, 128, 0], [192, 192, 32], [128, 96, 192], [64, 0, 128],
  [64, 64, 32], [0, 224, 192], [192, 0, 0], [192, 64, 160],
  [0, 96, 192], [192, 128, 128], [64, 64, 160], [128, 224, 192],
  [192, 128, 64], [192, 64, 32], [128, 96, 64], [192, 0, 192],
  [0, 192, 32], [64, 224, 64], [64, 0, 64], [128, 192, 160],
  [64, 96, 64], [64, 128, 192], [0, 192, 160], [192, 224, 64],
  [64, 128, 64], [128, 192, 32], [192, 32, 192], [64, 64, 192],
  [0, 64, 32], [64, 160, 192], [192, 64, 64], [128, 64, 160],
  [64, 32, 192], [192, 192, 192], [0, 64, 160], [192, 160, 192],
  [192, 192, 0], [128, 64, 96], [192, 32, 64], [192, 64, 128],
  [64, 192, 96], [64, 160, 64], [64, 64, 0],
];

/**
 * CelebAMask-HQ, 19 classes with background, in the order of the official mask generator (background, skin, nose,
 * eye_g, l_eye, r_eye, l_brow, r_brow, l_ear, r_ear, mouth, u_lip, l_lip, hair, hat, ear_r, neck_l, neck, cloth).
 * mmseg has no CelebAMask-HQ dataset, so these are the colours of the dataset's own code, the `color_list` with which
 * switchablenorms/CelebAMask-HQ face_parsing/Data_preprocessing/g_color.py colours the label maps.
 */
export const CELEBAMASK_HQ_PALETTE: readonly Rgb[] = [
  [0, 0, 0], [204, 0, 0], [76, 153, 0], [204, 204, 0],
  [51, 51, 255], [204, 0, 204], [0, 255, 255], [255, 204, 204],
  [102, 51, 0], [255, 0, 0], [102, 204, 0], [255, 255, 0],
  [0, 0, 153], [0, 0, 204], [255, 51, 153], [0, 204, 204],
  [0, 51, 0], [255, 153, 51], [0, 204, 0],
];

/** The palettes by name; `palette()` also accepts mmseg's dataset type names (see `paletteKey`). */
const PALETTES: Record<string, readonly Rgb[]> = {
  ade20k: ADE20K_PALETTE,
  cityscapes: CITYSCAPES_PALETTE,
  voc: VOC_PALETTE,
  pascalcontext: PASCAL_CONTEXT_PALETTE,
  pascalcontext59: PASCAL_CONTEXT_59_PALETTE,
  cocostuff: COCO_STUFF_PALETTE,
  celebamaskhq: CELEBAMASK_HQ_PALETTE,
};

/** Names that differ from the keys above once normalised (mmseg `PascalVOCDataset`, `PascalContextDataset60`). */
const ALIASES: Record<string, string> = { pascalvoc: 'voc', pascalcontext60: 'pascalcontext' };

/** The names `palette()` knows, as segvit's dataset files spell them. */
export const PALETTE_NAMES = [
  'ade20k', 'cityscapes', 'voc', 'pascal-context', 'pascal-context-59', 'coco-stuff', 'celebamask-hq',
] as const;

/**
 * Lower-case, drop everything but letters and digits, and drop a `dataset` word, so 'pascal-context-59',
 * 'pascal_context_59' and mmseg's 'PascalContextDataset59' all name the same palette.
 */
function paletteKey(name: string): string {
  const key = name.toLowerCase().replace(/[^a-z0-9]/g, '').replace('dataset', '');
  return ALIASES[key] ?? key;
}

/**
 * The palette of a known dataset, as a fresh copy the caller may change.
 * @param name e.g. 'ade20k', 'cityscapes', 'voc', 'pascal-context', 'pascal-context-59', 'coco-stuff',
 *   'celebamask-hq', or an mmseg dataset type such as 'ADE20KDataset'.
 * @throws Error naming the known palettes when `name` is none of them.
 */
export function palette(name: string): Rgb[] {
  const found = PALETTES[paletteKey(name)];
  if (!found) throw new Error(`no palette named '${name}'; known: ${PALETTE_NAMES.join(', ')}`);
  return found.map(([r, g, b]) => [r, g, b]);
}

/** RGB (0..255, rounded) of a colour given as hue, saturation and value in [0, 1]. */
function hsvToRgb(h: number, s: number, v: number): Rgb {
  const channel = (n: number): number => {
    const k = (n + h * 6) % 6;
    return Math.round(255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [channel(5), channel(3), channel(1)];
}

/**
 * A palette of `n` distinct colours for a dataset that gives none (mmseg draws one at random with seed 42 then),
 * the same for the same `n` and `seed`. Hues step by the golden ratio so that neighbouring classes differ;
 * saturation ≥ 0.5 and value ≥ 0.65 keep every colour away from black (ignore) and from grey.
 */
export function randomPalette(n: number, seed = 42): Rgb[] {
  const rng = new Rng(seed);
  const start = rng.uniform();
  const seen = new Set<string>();
  const colours: Rgb[] = [];
  for (let i = 0; colours.length < n; i++) {
    const hue = (start + i * 0.618033988749895) % 1;
    const colour = hsvToRgb(hue, 0.5 + 0.5 * rng.uniform(), 0.65 + 0.35 * rng.uniform());
    const key = colour.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    colours.push(colour);
  }
  return colours;
}
