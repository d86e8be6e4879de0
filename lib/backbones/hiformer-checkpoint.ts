/**
 * All2Cross's checkpoint adapter (HiFormer's encoder).
 * - Official HiFormer checkpoints name the whole model: the encoder under `All2Cross.`, the decoder beside it. Loaded
 *   into All2Cross alone, its `All2Cross.*` tensors are taken (HiFormerHead's adapter hands them to a segmentor's
 *   `backbone.`, heads/hiformer-checkpoint.ts).
 * - The official PyramidFeatures registers resnet_layers[5] and [6] a second time as `p2` and `p3`, so its state dicts
 *   hold those tensors twice: `pyramid.p2.*` / `pyramid.p3.*` are the same tensors and go (loading into
 *   `resnet_layers.5` / `.6` when those keys are absent).
 * - `attn_mask` and `relative_position_index` buffers are recomputed here, not loaded.
 * - A torchvision ResNet checkpoint (the official CNN init, `resnet_pretrained`) becomes the CNN branch: `conv1`, `bn1`,
 *   `layer1..3` -> `pyramid.resnet_layers.{0,1,4,5,6}`; `layer4` and `fc` are not part of HiFormer.
 */
import { renameKeys, type CheckpointAdapter, type StateDict } from '../weights/adapt.js';
import type { TensorRecord } from '../weights/record.js';

const OFFICIAL = 'All2Cross.';
const RECOMPUTED = /(^|\.)(relative_position_index|attn_mask)$/;
const ALIASES: [RegExp, string][] = [
  [/^pyramid\.p2\./, 'pyramid.resnet_layers.5.'],
  [/^pyramid\.p3\./, 'pyramid.resnet_layers.6.'],
];
const TORCHVISION: [RegExp, string][] = [
  [/^conv1\./, 'pyramid.resnet_layers.0.'],
  [/^bn1\./, 'pyramid.resnet_layers.1.'],
  [/^layer1\./, 'pyramid.resnet_layers.4.'],
  [/^layer2\./, 'pyramid.resnet_layers.5.'],
  [/^layer3\./, 'pyramid.resnet_layers.6.'],
];

/** The encoder's part of an official whole-model checkpoint, relative to All2Cross; other checkpoints as they are. */
function encoderPart(state: StateDict): StateDict {
  if (![...state.keys()].some((key) => key.startsWith(OFFICIAL))) return state;
  return new Map([...state].filter(([key]) => key.startsWith(OFFICIAL)).map(([key, r]) => [key.slice(OFFICIAL.length), r]));
}

/** A torchvision ResNet state dict as the CNN branch's keys; other checkpoints as they are. */
function fromTorchvision(state: StateDict): StateDict {
  if (!state.has('conv1.weight') || !state.has('layer1.0.conv1.weight')) return state;
  return renameKeys(new Map([...state].filter(([key]) => !/^(layer4|fc)\./.test(key))), TORCHVISION);
}

/** Without recomputed buffers and with each `p2` / `p3` copy folded into its resnet_layers key. */
function withoutDuplicates(state: StateDict): StateDict {
  const out = new Map<string, TensorRecord>();
  for (const [key, record] of state) {
    if (RECOMPUTED.test(key)) continue;
    const target = ALIASES.reduce((k, [alias, name]) => k.replace(alias, name), key);
    if (target === key || !state.has(target)) out.set(target, record);
  }
  return out;
}

export const hiformerCheckpointAdapter: CheckpointAdapter = {
  adapt: (state) => withoutDuplicates(fromTorchvision(encoderPart(state))),
};
