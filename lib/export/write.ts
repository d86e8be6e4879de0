/**
 * `segvit export`: a trained model as a folder the browser runtime loads (manifest.ts describes it). The model is
 * built from its config as `segvit predict` builds it, the checkpoint loaded strictly, and its state written back in
 * official names; the auxiliary head, which inference never runs, is left out.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Json, JsonObject } from '../config/json.js';
import type { ComponentConfig, SegvitConfig } from '../config/types.js';
import type { Dataset } from '../../datasets/types.js';
import { FileDataset } from '../../datasets/file-dataset.js';
import { writeAtomic } from '../files.js';
import { registries } from '../registry.js';
import type { Segmentor } from '../segmentors/types.js';
import { stateDictOf, writeSafetensors, type LoadReport } from '../weights/node.js';
import { EXPORT_FORMAT, EXPORT_VERSION, MANIFEST_FILE, WEIGHTS_FILE, type ExportManifest, type ExportPreprocessing } from './manifest.js';

/** Keys of a model config that initialise from files at build time; an export's weights replace them. */
const INIT_KEYS = new Set(['init_cfg', 'pretrained']);

/** `value` without the INIT_KEYS at any depth. */
function withoutInit(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutInit);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !INIT_KEYS.has(k)).map(([k, v]) => [k, withoutInit(v)]));
}

/** The model config an export holds: no auxiliary head, no data preprocessor (see `preprocessing`), no init. */
export function inferenceModelConfig(model: JsonObject): JsonObject {
  const { auxiliary_head: _aux, data_preprocessor: _pre, ...rest } = model;
  return withoutInit(rest) as JsonObject;
}

export interface ExportRequest {
  cfg: SegvitConfig;
  /** The config file and checkpoint, as given (recorded in the manifest). */
  configPath: string;
  checkpointPath: string;
  out: string;
  /** Run the model's construction (without drawing initial values when every one is loaded next). */
  build(make: () => Segmentor): Segmentor;
  /** Load the checkpoint into the built model (strictly or not, as the command says); returns the report. */
  load(model: Segmentor): LoadReport;
  /** How many validation images to copy into samples/. */
  samples: number;
  version: string;
}

/** The first `count` image files of the dataset, when it lists files. */
function sampleFiles(dataset: Dataset, count: number): string[] {
  if (!(dataset instanceof FileDataset)) return [];
  return Array.from({ length: Math.min(count, dataset.length) }, (_, i) => dataset.info(i).imgPath);
}

/** The data preprocessor's every option (absent ones as null) and the test pipeline. */
function resolvedPreprocessing(model: Segmentor, pipeline: JsonObject[]): ExportPreprocessing {
  const o = model.dataPreprocessor.options;
  return {
    mean: o.mean ?? null,
    std: o.std ?? null,
    bgr_to_rgb: o.bgr_to_rgb,
    pad_val: o.pad_val,
    seg_pad_val: o.seg_pad_val,
    size: o.size ?? null,
    size_divisor: o.size_divisor ?? null,
    pipeline,
  };
}

/** Build, load and write the export; returns its manifest. */
export function exportModel(req: ExportRequest, dataset: Dataset, pipeline: JsonObject[]): { manifest: ExportManifest; report: LoadReport } {
  const modelCfg = req.cfg.model as unknown as JsonObject;
  const exported = inferenceModelConfig(modelCfg);
  const preprocessor = modelCfg.data_preprocessor === undefined ? {} : { data_preprocessor: modelCfg.data_preprocessor };
  const model = req.build(() => registries.segmentor.build({ ...exported, ...preprocessor } as unknown as ComponentConfig, 'model'));
  const report = req.load(model);
  const state = stateDictOf(model);
  mkdirSync(req.out, { recursive: true });
  writeSafetensors(join(req.out, WEIGHTS_FILE), state, { format: 'pt', exported_by: `segvit ${req.version}` });
  const files = sampleFiles(dataset, req.samples);
  if (files.length) mkdirSync(join(req.out, 'samples'), { recursive: true });
  const samples = files.map((file, i) => {
    const name = `samples/${String(i).padStart(2, '0')}_${basename(file)}`;
    copyFileSync(file, join(req.out, name));
    return name;
  });
  const { meta } = dataset;
  const tensors = [...state.values()];
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    segvit: req.version,
    task: model.task,
    model: exported,
    classes: meta.classes,
    palette: meta.palette,
    reduce_zero_label: meta.reduceZeroLabel,
    ignore_index: meta.ignoreIndex,
    ...(meta.task === 'depth' ? { depth_scale: meta.depthScale ?? 1000 } : {}),
    preprocessing: resolvedPreprocessing(model, pipeline),
    weights: {
      file: WEIGHTS_FILE,
      tensors: tensors.length,
      parameters: tensors.reduce((n, t) => n + t.data.length, 0),
      bytes: tensors.reduce((n, t) => n + t.data.byteLength, 0),
    },
    samples,
    source: { config: req.configPath, checkpoint: req.checkpointPath },
  };
  writeAtomic(join(req.out, MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`));
  return { manifest, report };
}
