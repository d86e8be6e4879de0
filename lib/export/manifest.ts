/**
 * The format of an exported model (`segvit export`), read by the browser runtime: a folder holding
 *   model.json           this manifest: the model's config, its task, classes and palette, its preprocessing
 *   weights.safetensors  the model's state in official (PyTorch) names and layouts
 *   samples/             a few validation images, for the example page
 * Imports no Node built-in.
 */
import type { JsonObject } from '../config/json.js';
import type { DatasetMeta, Task } from '../../datasets/types.js';
import type { Rgb } from '../viz/palettes.js';

export const EXPORT_FORMAT = 'segvit-export';
export const EXPORT_VERSION = 1;
export const MANIFEST_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.safetensors';

/** The model's data preprocessor (resolved: every option) and the test pipeline's image transforms. */
export interface ExportPreprocessing {
  mean: number[] | null;
  std: number[] | null;
  bgr_to_rgb: boolean;
  pad_val: number;
  seg_pad_val: number;
  size: [number, number] | null;
  size_divisor: number | null;
  /** The test pipeline without its loaders (Resize, ...), as configs write it. */
  pipeline: JsonObject[];
}

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  version: number;
  /** The segvit version that wrote it. */
  segvit: string;
  /** 'segmentation' or 'depth' (2D images); 'segmentation3d' models export but run in Node only. */
  task: Task | 'segmentation3d';
  /** The model config, merged with its bases, without its data preprocessor (see preprocessing), its auxiliary head and its init_cfg. */
  model: JsonObject;
  /** Class names, index = class id; empty for depth. */
  classes: string[];
  palette: Rgb[];
  reduce_zero_label: boolean;
  ignore_index: number;
  /** Depth: raw depth PNG value / depth_scale = metres (NYU 1000); absent otherwise. */
  depth_scale?: number;
  preprocessing: ExportPreprocessing;
  weights: { file: string; tensors: number; parameters: number; bytes: number };
  /** Validation images, relative to the folder. */
  samples: string[];
  /** Where it came from: the config file and checkpoint (informative). */
  source: { config: string; checkpoint: string };
}

/** An export that cannot be used: names the file (or URL) and what is wrong with it. */
export class ExportError extends Error {
  override name = 'ExportError';
}

const REQUIRED: Record<string, string> = {
  task: 'string',
  model: 'object',
  classes: 'object',
  palette: 'object',
  preprocessing: 'object',
  weights: 'object',
  samples: 'object',
};

/** Check that `json` (read from `where`) is a manifest this version reads; throws ExportError naming the field. */
export function parseManifest(json: unknown, where: string): ExportManifest {
  const m = json as Partial<ExportManifest> | null;
  if (typeof m !== 'object' || m === null || m.format !== EXPORT_FORMAT) {
    throw new ExportError(`${where}: not a segvit export (no "format": "${EXPORT_FORMAT}"); make one with segvit export CONFIG CHECKPOINT --out DIR`);
  }
  if (m.version !== EXPORT_VERSION) {
    throw new ExportError(`${where}: export format version ${m.version}, this segvit reads version ${EXPORT_VERSION}; export the model again`);
  }
  for (const [key, kind] of Object.entries(REQUIRED)) {
    if (typeof (m as Record<string, unknown>)[key] !== kind || (m as Record<string, unknown>)[key] === null) {
      throw new ExportError(`${where}: "${key}" is missing or not a${kind === 'object' ? 'n object' : ` ${kind}`}; export the model again`);
    }
  }
  return m as ExportManifest;
}

/** What the test transforms and the outputs need to know of the labels, as a dataset's meta. */
export function exportMeta(m: ExportManifest): DatasetMeta {
  if (m.task === 'segmentation3d') throw new ExportError('3D models take volumes, not images: run them in Node (segvit predict volume.nii.gz)');
  return {
    task: m.task,
    classes: m.classes,
    palette: m.palette,
    reduceZeroLabel: m.reduce_zero_label,
    ignoreIndex: m.ignore_index,
    ...(m.depth_scale !== undefined ? { depthScale: m.depth_scale } : {}),
  };
}

/** The model config to build: the exported model with its data preprocessor put back (3D segmentors have none to set). */
export function exportModelConfig(m: ExportManifest): JsonObject {
  if (m.task === 'segmentation3d') return m.model;
  const { pipeline: _pipeline, ...preprocessor } = m.preprocessing;
  return { ...m.model, data_preprocessor: preprocessor as unknown as JsonObject };
}
