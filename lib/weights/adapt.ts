/**
 * Checkpoint adapters: how a module declares the foreign checkpoints it understands (timm's `checkpoint_filter_fn`,
 * one per model file), and the walk that applies the adapters of every module of a model. Nothing here names an
 * architecture: each adapter lives beside its model (`SwinTransformer.checkpointAdapter` in
 * lib/backbones/swin-checkpoint.ts, `DPTHead.checkpointAdapter` in heads/dpt-checkpoint.ts, ...).
 */
import type { Module } from '../nn/module.js';
import type { TensorRecord } from './record.js';

/** A state dict in torch names and layouts, as the readers return it. */
export type StateDict = ReadonlyMap<string, TensorRecord>;

export interface CheckpointAdapter {
  /**
   * Which checkpoint keys `adapt` sees: `'module'` (default) those under the module's own path, relative to it;
   * `'parent'` those under its parent's path, relative to the parent, for a part whose official checkpoints name the
   * whole model around it (an official DPT checkpoint names the backbone `pretrained.model.` beside the head's
   * `scratch.`). A root module with parent scope sees every key.
   */
  readonly scope?: 'module' | 'parent';
  /**
   * The keys in scope rewritten into what `module` expects (names, layouts, dropped buffers; of a whole model's
   * checkpoint, only the module's part). Keys of checkpoints it does not recognise pass through unchanged. `name` is
   * the module's own name within a parent scope (`decode_head`), else ''.
   */
  adapt(state: StateDict, module: Module, name: string): StateDict;
}

interface Step {
  adapter: CheckpointAdapter;
  module: Module;
  /** Dotted path of the keys the adapter sees ('' for all). */
  scope: string;
  name: string;
}

/**
 * `state` (keys relative to `model`) after the adapter of every module of `model` that declares one, each on the keys
 * of its scope. Outer scopes go first (a head with parent scope renames the keys its siblings then adapt); modules
 * with equal depth go in module order. Keys keep their order; the keys an adapter returns take the place of its first key.
 */
export function adaptCheckpoint(model: Module, state: StateDict): StateDict {
  const steps: Step[] = [];
  for (const [path, module] of model.namedModules()) {
    const adapter = (module.constructor as typeof Module).checkpointAdapter;
    if (adapter === undefined) continue;
    const up = adapter.scope === 'parent' && path !== '';
    const scope = up ? path.slice(0, Math.max(0, path.lastIndexOf('.'))) : path;
    steps.push({ adapter, module, scope, name: up ? path.slice(scope ? scope.length + 1 : 0) : '' });
  }
  const depth = (scope: string) => (scope === '' ? 0 : scope.split('.').length);
  steps.sort((a, b) => depth(a.scope) - depth(b.scope));
  return steps.reduce((current, step) => adaptScope(current, step), state);
}

function adaptScope(state: StateDict, { adapter, module, scope, name }: Step): StateDict {
  const prefix = scope === '' ? '' : `${scope}.`;
  const inside = new Map<string, TensorRecord>();
  for (const [key, record] of state) if (key.startsWith(prefix)) inside.set(key.slice(prefix.length), record);
  if (inside.size === 0) return state;
  const adapted = adapter.adapt(inside, module, name);
  const out = new Map<string, TensorRecord>();
  let written = false;
  for (const [key, record] of state) {
    if (!key.startsWith(prefix)) out.set(key, record);
    else if (!written) {
      for (const [k, r] of adapted) out.set(prefix + k, r);
      written = true;
    }
  }
  return out;
}

/**
 * `state` with every key rewritten by `rules` in order (each `[pattern, replacement]` as `String.replace`); later rules
 * see the result of earlier ones.
 */
export function renameKeys(state: StateDict, rules: readonly (readonly [RegExp, string])[]): Map<string, TensorRecord> {
  const out = new Map<string, TensorRecord>();
  for (const [key, record] of state) out.set(rules.reduce((k, [pattern, to]) => k.replace(pattern, to), key), record);
  return out;
}
