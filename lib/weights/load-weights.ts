/** Load a checkpoint into a model as users expect: select its part, apply the model's adapters, report. */
import type { Module } from '../nn/module.js';
import { adaptCheckpoint, type StateDict } from './adapt.js';
import { readCheckpoint, selectPrefix } from './checkpoint.js';
import { loadStateDict, type LoadReport } from './load.js';

export interface LoadWeightsOptions {
  /**
   * Take only the checkpoint keys under this prefix (e.g. `backbone.` to load an mmseg segmentor checkpoint into
   * a backbone). Default: `backbone.` when loading into a backbone-sized model from a checkpoint whose keys all
   * belong to a segmentor, else none.
   */
  prefix?: string;
  /** As `loadStateDict`'s: true (PyTorch's strict), 'model' (every model tensor, extra keys reported) or false. */
  strict?: boolean | 'model';
  /** The checkpoint's file name, for errors; a torch extension (.pth, .pt, .bin, .ckpt) selects the torch reader. */
  name?: string;
}

const SEGMENTOR_PARTS = /^(backbone|neck|decode_head|auxiliary_head)\./;

/**
 * Load a checkpoint (the bytes of a .pth / .pt / .safetensors file, or a state dict already read) into `model` by
 * official names, after the checkpoint adapter of every module of `model` (`static checkpointAdapter`,
 * lib/weights/adapt.ts) rewrote the keys in its scope: foreign namings (mmseg Swin, official DPT), recomputed
 * buffers, resized tables. In Node, `loadWeights` of `segvit/weights/node` also takes a file path.
 */
export function loadWeights(model: Module, checkpoint: Uint8Array | StateDict, options: LoadWeightsOptions = {}): LoadReport {
  const name = options.name ?? 'in-memory bytes';
  const tensors = checkpoint instanceof Uint8Array ? readCheckpoint(checkpoint, { name }) : checkpoint;
  const prefix = options.prefix ?? impliedPrefix(model, tensors);
  const selected = prefix === undefined ? tensors : selectPrefix(tensors, prefix, name);
  return loadStateDict(model, adaptCheckpoint(model, selected), { strict: options.strict, file: name });
}

/** `backbone.` when `model` is not a segmentor and every key of the checkpoint belongs to a segmentor part. */
function impliedPrefix(model: Module, tensors: StateDict): string | undefined {
  const modelIsSegmentor = model.namedChildren().some(([name]) => name === 'backbone');
  return !modelIsSegmentor && [...tensors.keys()].every((key) => SEGMENTOR_PARTS.test(key)) ? 'backbone.' : undefined;
}
