/** Load a checkpoint file into a model as users expect: select its part, apply the model's adapters, report. */
import type { Module } from '../nn/module.js';
import { adaptCheckpoint } from './adapt.js';
import { readCheckpoint, selectPrefix } from './checkpoint.js';
import { loadStateDict, type LoadReport } from './load.js';
import type { TensorRecord } from './record.js';

export interface LoadWeightsOptions {
  /**
   * Take only the checkpoint keys under this prefix (e.g. `backbone.` to load an mmseg segmentor checkpoint into
   * a backbone). Default: `backbone.` when loading into a backbone-sized model from a checkpoint whose keys all
   * belong to a segmentor, else none.
   */
  prefix?: string;
  strict?: boolean;
}

const SEGMENTOR_PARTS = /^(backbone|neck|decode_head|auxiliary_head)\./;

/**
 * Read `file` (.pth / .pt / .safetensors) and load it into `model` by official names, after the checkpoint adapter of
 * every module of `model` (`static checkpointAdapter`, lib/weights/adapt.ts) rewrote the keys in its scope: foreign
 * namings (mmseg Swin, official DPT), recomputed buffers, resized tables.
 */
export function loadWeights(model: Module, file: string, options: LoadWeightsOptions = {}): LoadReport {
  const tensors = readCheckpoint(file);
  const prefix = options.prefix ?? impliedPrefix(model, tensors);
  const selected = prefix === undefined ? tensors : selectPrefix(tensors, prefix, file);
  return loadStateDict(model, adaptCheckpoint(model, selected), { strict: options.strict });
}

/** `backbone.` when `model` is not a segmentor and every key of the checkpoint belongs to a segmentor part. */
function impliedPrefix(model: Module, tensors: ReadonlyMap<string, TensorRecord>): string | undefined {
  const modelIsSegmentor = model.namedChildren().some(([name]) => name === 'backbone');
  return !modelIsSegmentor && [...tensors.keys()].every((key) => SEGMENTOR_PARTS.test(key)) ? 'backbone.' : undefined;
}
