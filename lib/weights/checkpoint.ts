/**
 * One entry point for checkpoints in any supported format, returning the flat state dict in torch names and layouts.
 */
import { isZip, readPth } from './pth.js';
import { isTensorRecord, type TensorRecord } from './record.js';
import { readSafetensors } from './safetensors.js';

export interface CheckpointOptions {
  /** Keep only the keys under this prefix, with the prefix removed (e.g. `'backbone.'`). */
  prefix?: string;
  /** The file's name, for errors; a torch extension (.pth, .pt, .bin, .ckpt) selects the torch reader. */
  name?: string;
}

/** Keys under which training code nests the state dict, tried in this order. */
const CONTAINER_KEYS = ['state_dict', 'model', 'module'];
const TORCH_EXTENSION = /\.(pth|pt|bin|ckpt)$/i;
const DATA_PARALLEL_PREFIX = 'module.';

/**
 * Decode a checkpoint's bytes — `.safetensors`, or a `torch.save` zip (.pth/.pt/.bin) recognised by its zip signature
 * or `options.name`'s extension — as a flat state dict. Keys are treated as follows:
 * - containers are always unwrapped: a top level without tensors descends into its `state_dict`, `model` or `module`
 *   dict (mmseg saves `{meta, state_dict, optimizer}`, Swin and DeiT `{model, ...}`);
 * - `module.` (DataParallel / DistributedDataParallel) is always stripped when every key starts with it;
 * - `backbone.` and any other prefix are stripped only on request: with `prefix: 'backbone.'` an mmseg segmentor
 *   checkpoint yields its backbone alone, named as the backbone module names its state; other keys are dropped.
 */
export function readCheckpoint(bytes: Uint8Array, options: CheckpointOptions = {}): Map<string, TensorRecord> {
  const name = options.name ?? 'in-memory bytes';
  const tensors = isZip(bytes) || TORCH_EXTENSION.test(name)
    ? extractStateDict(readPth(bytes, name), name)
    : readSafetensors(bytes, name).tensors;
  const unwrapped = stripCommonPrefix(tensors, DATA_PARALLEL_PREFIX);
  return options.prefix === undefined ? unwrapped : selectPrefix(unwrapped, options.prefix, name);
}

/**
 * The flat state dict inside an unpickled checkpoint: the tensor entries of the top-level dict, or, when it holds no
 * tensor, of its first `state_dict` / `model` / `module` dict (recursively). Non-tensor entries are left out.
 */
export function extractStateDict(root: unknown, file: string): Map<string, TensorRecord> {
  if (!(root instanceof Map)) throw new Error(`${file}: holds ${describe(root)}, not a dict of tensors`);
  const tensors = new Map<string, TensorRecord>();
  for (const [key, value] of root) if (isTensorRecord(value)) tensors.set(String(key), value);
  if (tensors.size > 0) return tensors;
  const container = CONTAINER_KEYS.find((key) => root.get(key) instanceof Map);
  if (container === undefined) {
    const keys = [...root.keys()].join(', ');
    throw new Error(`${file}: found no tensors and no ${CONTAINER_KEYS.join(' / ')} dict (top-level keys: ${keys})`);
  }
  return extractStateDict(root.get(container), `${file}['${container}']`);
}

/** Remove `prefix` from every key when every key has it; otherwise return the tensors unchanged. */
export function stripCommonPrefix(tensors: Map<string, TensorRecord>, prefix: string): Map<string, TensorRecord> {
  const keys = [...tensors.keys()];
  if (keys.length === 0 || !keys.every((key) => key.startsWith(prefix))) return tensors;
  return new Map([...tensors].map(([key, value]) => [key.slice(prefix.length), value]));
}

/** The tensors whose keys start with `prefix`, with it removed; throws, showing some keys, when none does. */
export function selectPrefix(
  tensors: ReadonlyMap<string, TensorRecord>,
  prefix: string,
  file: string,
): Map<string, TensorRecord> {
  const selected = new Map<string, TensorRecord>();
  for (const [key, value] of tensors) if (key.startsWith(prefix)) selected.set(key.slice(prefix.length), value);
  if (selected.size === 0) {
    const sample = [...tensors.keys()].slice(0, 3).join(', ');
    throw new Error(`${file}: no key starts with '${prefix}' (keys look like: ${sample || 'none'})`);
  }
  return selected;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isTensorRecord(value)) return 'a single tensor';
  return value === null ? 'None' : `a ${typeof value}`;
}
