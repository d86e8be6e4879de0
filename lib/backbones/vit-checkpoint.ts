/**
 * VisionTransformer's checkpoint adapter: the ViT inside an official DPT checkpoint (isl-org/DPT `.pt` files), where
 * `DPTDepthModel` / `DPTSegmentationModel` hold timm's ViT at `pretrained.model.`. A checkpoint with such keys gives
 * the ViT those tensors under their timm names, and nothing else of DPT; the classifier `head` and final `norm`, which
 * DPT never uses (it reads its hooks before the norm), are dropped when this ViT has none. Other checkpoints pass through.
 *
 * Inside a DPT segmentor, DPTHead's adapter hands `pretrained.model.*` to the backbone as `backbone.pretrained.model.*`
 * (heads/dpt-checkpoint.ts), so the ViT part of DPT checkpoints is named here alone, loaded whole or into the ViT.
 */
import type { Module } from '../nn/module.js';
import type { CheckpointAdapter, StateDict } from '../weights/adapt.js';
import type { TensorRecord } from '../weights/record.js';

const DPT_VIT = 'pretrained.model.';
const UNUSED_BY_DPT = /^(head|norm)\./;

function fromDpt(state: StateDict, vit: Module): StateDict {
  if (![...state.keys()].some((key) => key.startsWith(DPT_VIT))) return state;
  const names = new Set([...vit.namedState()].map(([key]) => key));
  const out = new Map<string, TensorRecord>();
  for (const [key, record] of state) {
    const name = key.slice(DPT_VIT.length);
    if (key.startsWith(DPT_VIT) && (names.has(name) || !UNUSED_BY_DPT.test(name))) out.set(name, record);
  }
  return out;
}

export const vitCheckpointAdapter: CheckpointAdapter = { adapt: fromDpt };
