/**
 * HiFormerHead's checkpoint adapter. Official HiFormer checkpoints (`torch.save(model.state_dict())` of the HiFormer
 * class) name the whole model: the encoder `All2Cross.*` and the decoder `ConvUp_s.*`, `ConvUp_l.*`, `conv_pred.*`,
 * `segmentation_head.*` at the top. So this adapter works on the keys of the head's parent (scope 'parent'):
 * - the decoder's keys become the head's, under its name (`decode_head.ConvUp_s.*`);
 * - `ConvUp_*.conv_tower.*` go: Decoder.py builds `convs_level` as a Sequential of the very modules of the list
 *   `conv_tower`, so the state dict holds each of those tensors twice;
 * - `All2Cross.*` goes to the segmentor's `backbone.`, where All2Cross's adapter (lib/backbones/hiformer-checkpoint.ts)
 *   takes it; with the head loaded alone it is left out.
 * Checkpoints without official HiFormer keys pass through.
 */
import type { Module } from '../lib/nn/module.js';
import { renameKeys, type CheckpointAdapter, type StateDict } from '../lib/weights/adapt.js';

const DECODER = /^(ConvUp_s|ConvUp_l|conv_pred|segmentation_head)\./;
const ALIAS = /^ConvUp_[sl]\.conv_tower\./;
const ENCODER = /^All2Cross\./;

function fromOfficialHiFormer(state: StateDict, _head: Module, name: string): StateDict {
  if (![...state.keys()].some((key) => ENCODER.test(key) || DECODER.test(key))) return state;
  const alone = name === '';
  const kept = new Map([...state].filter(([key]) => !ALIAS.test(key) && !(alone && ENCODER.test(key))));
  return renameKeys(kept, [
    [ENCODER, 'backbone.All2Cross.'],
    [DECODER, alone ? '$1.' : `${name}.$1.`],
  ]);
}

export const hiformerHeadCheckpointAdapter: CheckpointAdapter = { scope: 'parent', adapt: fromOfficialHiFormer };
