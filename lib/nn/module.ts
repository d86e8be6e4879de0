/**
 * Module: the PyTorch-like base of every layer and model. Parameters and buffers carry PyTorch's dotted names
 * (`layers.0.blocks.1.attn.qkv.weight`) so official checkpoints load by name, and each remembers its layout
 * so lib/weights converts PyTorch tensors once, at load time.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointAdapter } from '../weights/adapt.js';

/**
 * How a tensor's TF.js layout relates to PyTorch's:
 * - `same`: identical (biases, norms, tables, embeddings).
 * - `linear`: torch `[out, in]`, here `[in, out]`.
 * - `conv`: torch `[out, in/groups, ...k]`, here `[...k, in/groups, out]` (1D, 2D and 3D).
 * - `conv_transpose`: torch `[in, out/groups, ...k]`, here `[...k, out/groups, in]`.
 */
export type Layout = 'same' | 'linear' | 'conv' | 'conv_transpose';

/** A named tensor of a module's state, as the weights loader sees it. */
export interface StateEntry {
  variable: tf.Variable;
  layout: Layout;
  kind: 'parameter' | 'buffer';
}

export class Module {
  /**
   * The foreign checkpoints this class understands (as timm's `checkpoint_filter_fn`), declared beside the class and
   * inherited by subclasses. `loadWeights` applies the adapter of every module of the model it loads to that module's
   * checkpoint keys (lib/weights/adapt.ts). Undefined: checkpoints load by the official names as they are.
   */
  static checkpointAdapter?: CheckpointAdapter;

  /** Train mode (dropout active, batch statistics); switch with `train()` / `eval()`. */
  training = true;
  readonly #parameters = new Map<string, StateEntry>();
  readonly #buffers = new Map<string, StateEntry>();
  readonly #children = new Map<string, Module>();
  readonly #constants: tf.Tensor[] = [];

  /** Register a learnable tensor under `name`; `init` is in TF.js layout and is taken over (not copied). */
  protected addParameter(name: string, init: tf.Tensor, layout: Layout = 'same'): tf.Variable {
    this.#assertFree(name);
    const variable = tf.variable(init, true);
    init.dispose();
    this.#parameters.set(name, { variable, layout, kind: 'parameter' });
    return variable;
  }

  /** Register persistent state that is not learned (BatchNorm running statistics); saved and loaded by name. */
  protected addBuffer(name: string, init: tf.Tensor, layout: Layout = 'same'): tf.Variable {
    this.#assertFree(name);
    const variable = tf.variable(init, false);
    init.dispose();
    this.#buffers.set(name, { variable, layout, kind: 'buffer' });
    return variable;
  }

  /** Keep a constant tensor (an index table, a cached mask) alive for the module's life; not state. */
  protected addConstant<T extends tf.Tensor>(tensor: T): T {
    this.#constants.push(tf.keep(tensor));
    return tensor;
  }

  /** Register a child module; its state is named `name.<its names>`. */
  protected addModule<M extends Module>(name: string, module: M): M {
    this.#assertFree(name);
    this.#children.set(name, module);
    return module;
  }

  #assertFree(name: string): void {
    if (name === '' || name.includes('.')) throw new Error(`invalid module member name '${name}'`);
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new Error(`${this.constructor.name} already has a member named '${name}'`);
    }
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.#children];
  }

  /** This module and every descendant, with dotted names ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.#children) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  /** Every parameter and buffer, with dotted names, in registration order (PyTorch's state_dict order). */
  *namedState(prefix = ''): Generator<[string, StateEntry]> {
    const dotted = (name: string) => (prefix ? `${prefix}.${name}` : name);
    for (const [name, entry] of this.#parameters) yield [dotted(name), entry];
    for (const [name, entry] of this.#buffers) yield [dotted(name), entry];
    for (const [name, child] of this.#children) yield* child.namedState(dotted(name));
  }

  /** Learnable parameters with dotted names. */
  *namedParameters(prefix = ''): Generator<[string, tf.Variable]> {
    for (const [name, entry] of this.namedState(prefix)) if (entry.kind === 'parameter') yield [name, entry.variable];
  }

  /** Parameters that are not frozen: what an optimizer updates. */
  trainableParameters(): [string, tf.Variable][] {
    return [...this.namedParameters()].filter(([, v]) => v.trainable);
  }

  /** Total number of parameter elements (buffers excluded), as `sum(p.numel() for p in m.parameters())`. */
  numParameters(): number {
    let n = 0;
    for (const [, v] of this.namedParameters()) n += v.size;
    return n;
  }

  /** Set train (true) or eval (false) mode on this module and every descendant. */
  train(mode = true): this {
    this.training = mode;
    // through each child's own train(), so overrides (frozen stages stay in eval mode) hold at every depth
    for (const child of this.#children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Stop (or restart) gradient updates of every parameter below this module. */
  freeze(frozen = true): this {
    for (const [, v] of this.namedParameters()) v.trainable = !frozen;
    return this;
  }

  /** Release every tensor this module and its descendants own. */
  dispose(): void {
    for (const [, m] of this.namedModules()) tf.dispose(m.#constants.splice(0));
    for (const [, entry] of this.namedState()) entry.variable.dispose();
  }
}

/** An indexed list of modules, named `0`, `1`, ... as `nn.ModuleList`. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[];

  constructor(items: M[] = []) {
    super();
    this.items = [];
    for (const item of items) this.push(item);
  }

  push(item: M): M {
    this.addModule(String(this.items.length), item);
    this.items.push(item);
    return item;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (m === undefined) throw new Error(`ModuleList index ${i} out of range (length ${this.items.length})`);
    return m;
  }
}

/** Parameters named `0`, `1`, ... as `nn.ParameterList`; `init` tensors are taken over. */
export class ParameterList extends Module {
  readonly items: tf.Variable[];

  constructor(init: tf.Tensor[]) {
    super();
    this.items = init.map((t, i) => this.addParameter(String(i), t));
  }
}

/** A module mapping one tensor to one tensor. */
export interface Layer<I extends tf.Tensor = tf.Tensor, O extends tf.Tensor = tf.Tensor> extends Module {
  forward(x: I): O;
}

/** Layers applied in order, named `0`, `1`, ... as `nn.Sequential`. */
export class Sequential extends ModuleList<Layer> implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return this.items.reduce((h, layer) => layer.forward(h), x);
  }
}

/** A layer that returns its input, as `nn.Identity`. */
export class Identity extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}
