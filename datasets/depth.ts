/**
 * Monocular depth datasets: images paired with 16-bit PNG depth maps (raw value / depth_scale = metres, 0 = no
 * measurement), laid out as BaseSegDataset's folders (`data_prefix.depth_map_path`, `depth_map_suffix`) or listed
 * in BTS-style split files (`img_relpath depth_relpath focal` per line). Samples carry `depthMapPath`. Each format
 * sets FORMAT and DEPTH and declares its options with their defaults (`OPTIONS`).
 */
import { Type } from '@sinclair/typebox';
import { choice, defineOptions, option, type OptionsInput, type ResolvedOptions } from '../lib/config/declare.js';
import { resolveOptions } from '../lib/config/resolve.js';
import { nonNegative, positive } from '../lib/config/schema-parts.js';
import type { DepthCrop } from '../lib/metrics/depth.js';
import type { BuildContext } from '../lib/registry.js';
import { FileDataset, locationOptions, sampleOptions, type FormatDefaults } from './file-dataset.js';
import type { DatasetMeta } from './types.js';

/** A depth format's conventions. */
export interface DepthDefaults {
  depthScale: number;
  maxDepth: number;
  minDepth: number;
  evalCrop: string | null;
  /** The evaluation crops this format defines, by name, as DepthMetric's crop_type. */
  evalCrops: Readonly<Record<string, DepthCrop>>;
}

/** The options of depth format `cls`, with the defaults of its FORMAT and DEPTH. */
export function depthDatasetOptions(
  type: string,
  description: string,
  cls: { FORMAT: FormatDefaults; DEPTH: DepthDefaults },
) {
  const { FORMAT: format, DEPTH: depth } = cls;
  return defineOptions(type, description, {
    ...locationOptions(format, 'depth_map_path'),
    depth_map_suffix: option(Type.String(), format.annSuffix, 'file name ending of the depth maps'),
    ann_file: option(Type.String(), '', `split file: names, or BTS lines "img depth focal"; '': every image`),
    depth_scale: option(positive, depth.depthScale, 'raw / depth_scale = metres'),
    max_depth: option(positive, depth.maxDepth, 'evaluation cap in metres'),
    min_depth: option(nonNegative, depth.minDepth, 'evaluation floor in metres'),
    eval_crop: option(
      choice([...Object.keys(depth.evalCrops), null]),
      depth.evalCrop,
      'evaluation crop; null: the whole map',
    ),
    ...sampleOptions,
  });
}

export type DepthDatasetDeclaration = ReturnType<typeof depthDatasetOptions>;
export type DepthDatasetOptions = OptionsInput<DepthDatasetDeclaration>;

/** The conventions of a depth dataset of format `depth` with resolved options `o`. */
function depthMeta(depth: DepthDefaults, o: ResolvedOptions<DepthDatasetDeclaration>): DatasetMeta {
  return {
    task: 'depth',
    classes: [],
    palette: [],
    reduceZeroLabel: false,
    ignoreIndex: 255,
    depthScale: o.depth_scale,
    maxDepth: o.max_depth,
    minDepth: o.min_depth,
    evalCrop: o.eval_crop,
    cropType: o.eval_crop === null ? null : depth.evalCrops[o.eval_crop],
  };
}

export abstract class DepthDataset extends FileDataset {
  declare static readonly DEPTH: DepthDefaults;
  declare static readonly OPTIONS: DepthDatasetDeclaration;

  constructor(options: DepthDatasetOptions = {}, ctx?: BuildContext) {
    const { OPTIONS, DEPTH } = new.target;
    const o = resolveOptions(OPTIONS, options, ctx);
    super(o, { dir: o.data_prefix.depth_map_path, suffix: o.depth_map_suffix }, depthMeta(DEPTH, o));
  }
}
