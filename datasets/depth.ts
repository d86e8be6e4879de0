/**
 * Monocular depth datasets: images paired with 16-bit PNG depth maps (raw value / depth_scale = metres, 0 = no
 * measurement), laid out as BaseSegDataset's folders (`data_prefix.depth_map_path`, `depth_map_suffix`) or listed
 * in BTS-style split files (`img_relpath depth_relpath focal` per line). Samples carry `depthMapPath`.
 */
import { BaseSegDataset, type AnnotationLayout, type BaseSegDatasetOptions, type FormatDefaults } from './base.js';
import type { DatasetMeta } from './types.js';

export interface DepthDatasetOptions extends BaseSegDatasetOptions {
  depthMapSuffix?: string;
  /** Raw PNG value / depthScale = metres. */
  depthScale?: number;
  /** Evaluation range in metres. */
  maxDepth?: number;
  minDepth?: number;
  /** Evaluation crop ('eigen', 'garg') or null for none. */
  evalCrop?: string | null;
}

/** A depth format's conventions. */
export interface DepthDefaults {
  depthScale: number;
  maxDepth: number;
  minDepth: number;
  evalCrop: string | null;
  /** The evaluation crops this format defines. */
  evalCrops: readonly string[];
}

export abstract class DepthDataset extends BaseSegDataset {
  static readonly DEPTH: DepthDefaults = { depthScale: 1, maxDepth: Infinity, minDepth: 1e-3, evalCrop: null, evalCrops: [] };

  constructor(options: DepthDatasetOptions = {}) {
    super(options);
  }

  protected override resolveMeta(options: DepthDatasetOptions): DatasetMeta {
    const defaults = (this.constructor as typeof DepthDataset).DEPTH;
    return {
      task: 'depth',
      classes: [],
      palette: [],
      reduceZeroLabel: false,
      ignoreIndex: 255,
      depthScale: options.depthScale ?? defaults.depthScale,
      maxDepth: options.maxDepth ?? defaults.maxDepth,
      minDepth: options.minDepth ?? defaults.minDepth,
      evalCrop: options.evalCrop === undefined ? defaults.evalCrop : options.evalCrop,
    };
  }

  protected override annotationLayout(options: DepthDatasetOptions, format: FormatDefaults): AnnotationLayout {
    const dir = options.dataPrefix?.depthMapPath === undefined ? format.annPath : options.dataPrefix.depthMapPath;
    return { dir, suffix: options.depthMapSuffix ?? format.annSuffix };
  }
}
