/**
 * The base of segvit's optimizers: param groups, per-parameter state kept by parameter name (so it is saved and
 * resumed by name), and one `step` that applies each group's learning rate, as `torch.optim.Optimizer`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorRecord } from '../../weights/record.js';
import type { BaseRates, ParamGroup } from './param-groups.js';

/** Gradients by parameter name; the caller keeps ownership (the optimizer never disposes them). */
export type Gradients = Record<string, tf.Tensor>;

/** What an optimizer updates: param groups, or named parameters forming one group at the optimizer's own rates. */
export type OptimizerParams = ParamGroup[] | [string, tf.Variable][];

/** One update of one parameter, as `Optimizer.update` receives it. */
export interface ParamUpdate {
  param: tf.Variable;
  grad: tf.Tensor;
  /** The parameter's update count, from 1. */
  step: number;
  lr: number;
  weightDecay: number;
  /** The parameter's buffers, named by `bufferNames` (zeros before the first update). */
  buffers: ReadonlyMap<string, tf.Variable>;
}

/** The state of one parameter: its update count and its buffers (moments, momentum). */
interface ParamState {
  step: number;
  buffers: Map<string, tf.Variable>;
}

/**
 * An optimizer's state: buffers as `<parameter name>.<buffer>` (TF.js layout, float32) and the update count of each
 * parameter (torch keeps `state[p]['step']` per parameter). Parameters never updated have no entry, as in torch.
 */
export interface OptimizerStateDict {
  type: string;
  tensors: Map<string, TensorRecord>;
  steps: Record<string, number>;
}

export abstract class Optimizer {
  /** The class name that configs use and that state dicts are checked against (`AdamW`). */
  abstract readonly type: string;
  /** The per-parameter buffers this optimizer keeps (`exp_avg`, `momentum_buffer`), created as zeros. */
  protected abstract readonly bufferNames: readonly string[];
  readonly groups: ParamGroup[] = [];
  readonly #state = new Map<string, ParamState>();

  /**
   * @param params param groups, or the named parameters of one group at the `defaults` rates; none (`[]`) when the
   *   groups are added later (`addParamGroup`, as mmengine's optimizer constructor does)
   * @param defaults the optimizer's own lr and weight decay (torch's `defaults`), which param-wise multipliers scale
   */
  constructor(
    params: OptimizerParams,
    readonly defaults: BaseRates,
  ) {
    const groups = isGroupList(params) ? params : params.length > 0 ? [{ params, ...defaults }] : [];
    for (const group of groups) this.addParamGroup(group);
  }

  /** Add a group of parameters with its own rates (torch's `add_param_group`); a parameter may be in one group only. */
  addParamGroup(group: ParamGroup): void {
    const known = new Set(this.groups.flatMap((g) => g.params.map(([name]) => name)));
    const names = group.params.map(([name]) => name);
    const repeated = names.find((name, i) => known.has(name) || names.indexOf(name) !== i);
    if (repeated !== undefined) throw new Error(`parameter '${repeated}' appears in more than one param group`);
    this.groups.push(group);
  }

  /** The initial learning rate of each group (what schedules scale). */
  get baseLrs(): number[] {
    return this.groups.map((g) => g.lr);
  }

  /**
   * Update every parameter that has a gradient, group `i` at learning rate `lrs[i]` (default: its initial lr).
   * Parameters without a gradient are left alone and their step count does not advance, as in torch.
   */
  step(grads: Gradients, lrs: readonly number[] = this.baseLrs): void {
    if (lrs.length !== this.groups.length) {
      throw new Error(`${this.type}.step: ${lrs.length} learning rates for ${this.groups.length} param groups`);
    }
    const known = new Set(this.groups.flatMap((g) => g.params.map(([name]) => name)));
    const strangers = Object.keys(grads).filter((name) => !known.has(name));
    if (strangers.length > 0) {
      const shown = strangers.slice(0, 3).join(', ');
      throw new Error(`${this.type}.step: gradients for unknown parameters (${shown}${strangers.length > 3 ? ', ...' : ''}); key gradients by parameter name`);
    }
    this.groups.forEach((group, i) => {
      for (const [name, param] of group.params) {
        const grad = grads[name];
        if (grad === undefined) continue; // a parameter the loss does not reach this step
        if (!tf.util.arraysEqual(grad.shape, param.shape)) {
          const shapes = `has shape [${grad.shape}], the parameter [${param.shape}]`;
          throw new Error(`${this.type}.step: gradient of '${name}' ${shapes}`);
        }
        const state = this.#stateOf(name, param);
        state.step += 1;
        const { step, buffers } = state;
        tf.tidy(() => this.update({ param, grad, step, lr: lrs[i]!, weightDecay: group.weightDecay, buffers }));
      }
    });
  }

  /**
   * Apply one update to `param` in place (with `param.assign`), updating the parameter's `buffers` the same way.
   * Runs in `tf.tidy`.
   */
  protected abstract update(u: ParamUpdate): void;

  /** The state read back to the CPU, for checkpoints (treat the arrays as read-only: a backend may share them). */
  stateDict(): OptimizerStateDict {
    const tensors = new Map<string, TensorRecord>();
    const steps: Record<string, number> = {};
    for (const [name, { step, buffers }] of this.#state) {
      steps[name] = step;
      for (const [buffer, v] of buffers) {
        tensors.set(`${name}.${buffer}`, { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array });
      }
    }
    return { type: this.type, tensors, steps };
  }

  /**
   * Restore the state of `stateDict()`, replacing the current one. Throws, changing nothing, when the state is
   * another optimizer's, names an unknown parameter, or a buffer's shape differs from its parameter's.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    if (dict.type !== this.type) throw new Error(`cannot load ${dict.type} state into ${this.type}`);
    const params = new Map(this.groups.flatMap((g) => g.params));
    const restored = new Map<string, { step: number; records: Map<string, TensorRecord> }>();
    for (const [name, step] of Object.entries(dict.steps)) {
      if (!params.has(name)) throw new Error(`${this.type} state names unknown parameter '${name}'`);
      restored.set(name, { step, records: new Map() });
    }
    for (const [key, record] of dict.tensors) {
      const dot = key.lastIndexOf('.');
      const owner = restored.get(key.slice(0, dot));
      if (dot < 0 || owner === undefined) {
        throw new Error(`${this.type} state '${key}' belongs to no parameter with a step count`);
      }
      const expected = params.get(key.slice(0, dot))!.shape;
      if (!tf.util.arraysEqual(record.shape, expected)) {
        throw new Error(`${this.type} state '${key}' has shape [${record.shape}], its parameter [${expected}]`);
      }
      owner.records.set(key.slice(dot + 1), record);
    }
    this.#reset();
    for (const [name, { step, records }] of restored) {
      const buffers = new Map([...records].map(([b, r]) => [b, ownVariable(tf.tensor(r.data, r.shape, 'float32'))]));
      this.#state.set(name, { step, buffers });
    }
  }

  /** Release the state's tensors (the parameters belong to the model). */
  dispose(): void {
    this.#reset();
  }

  #reset(): void {
    for (const { buffers } of this.#state.values()) for (const v of buffers.values()) v.dispose();
    this.#state.clear();
  }

  /** The state of parameter `name`, its missing buffers created as zeros. */
  #stateOf(name: string, param: tf.Variable): ParamState {
    let state = this.#state.get(name);
    if (state === undefined) this.#state.set(name, (state = { step: 0, buffers: new Map() }));
    for (const buffer of this.bufferNames) {
      if (!state.buffers.has(buffer)) state.buffers.set(buffer, ownVariable(tf.zerosLike(param)));
    }
    return state;
  }
}

/** A non-trainable variable holding `init`'s values; `init` is released. */
function ownVariable(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init, false);
  init.dispose();
  return v;
}

function isGroupList(params: OptimizerParams): params is ParamGroup[] {
  return params.length > 0 && !Array.isArray(params[0]);
}
