/**
 * DPTHead's checkpoint adapter. Official DPT checkpoints (isl-org/DPT `.pt` files: `pretrained.model.*`,
 * `pretrained.act_postprocess{i}.*`, `scratch.*`, `auxlayer.*`) name the whole model, not the head, so this adapter
 * works on the keys of the head's parent (scope 'parent': the segmentor, or everything when the head is loaded alone):
 * - the reassembly, `scratch` and `auxlayer` become the head's, under its name (`decode_head.scratch.*`);
 * - the ViT (`pretrained.model.*`) goes to the segmentor's `backbone.` as it is, where VisionTransformer's adapter
 *   (lib/backbones/vit-checkpoint.ts) takes it, so a DPT checkpoint also loads into the ViT alone;
 * - `scratch.refinenet4.resConfUnit1` (built by the official code but never called: the coarsest fusion has no skip
 *   input) is dropped when the head has none.
 * Checkpoints without official DPT keys pass through.
 */
import type { Module } from '../lib/nn/module.js';
import { renameKeys, type CheckpointAdapter, type StateDict } from '../lib/weights/adapt.js';

const UNUSED = /^scratch\.refinenet4\.resConfUnit1\./;

function isOfficialDpt(state: StateDict): boolean {
  return [...state.keys()].some((key) => key.startsWith('pretrained.') || key.startsWith('scratch.'));
}

function fromOfficialDpt(state: StateDict, head: Module, name: string): StateDict {
  if (!isOfficialDpt(state)) return state;
  const names = new Set([...head.namedState()].map(([key]) => key));
  const kept = new Map([...state].filter(([key]) => !(UNUSED.test(key) && !names.has(key))));
  const prefix = name === '' ? '' : `${name}.`;
  return renameKeys(kept, [
    [/^pretrained\.model\./, 'backbone.pretrained.model.'],
    [/^pretrained\.(act_postprocess\d+)\./, `${prefix}$1.`],
    [/^(scratch|auxlayer)\./, `${prefix}$1.`],
  ]);
}

export const dptCheckpointAdapter: CheckpointAdapter = { scope: 'parent', adapt: fromOfficialDpt };
