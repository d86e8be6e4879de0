/**
 * Typed registries of buildable components, one per kind, as mmseg's registries (0.x's BACKBONES, NECKS, HEADS,
 * LOSSES, SEGMENTORS, PIPELINES, ...). A component registers its factory together with the JSON schema of its
 * options, so a config is checked, with the path and the reason of each problem, before anything is built.
 * Configs name components mmseg's way: `{"type": "SwinTransformer", "embed_dims": 96, ...}`.
 */
import type { TObject } from '@sinclair/typebox';
import type { OptionsInput } from './config/declare.js';
import { ConfigError } from './config/errors.js';
import type { JsonObject } from './config/json.js';
import type { OptionsSchema } from './config/json-schema.js';
import { didYouMean } from './config/suggest.js';
import type { ComponentConfig } from './config/types.js';
import { validateComponent } from './config/validator.js';
import type { Dataset, Transform } from '../datasets/types.js';
import type { Optimizer } from './engine/optim/optimizer.js';
import type { LrScheduler } from './engine/schedulers/scheduler.js';
import type { Module } from './nn/module.js';
import type { DepthLoss, SegLoss } from './losses/types.js';
import type { Backbone, DecodeHead, Neck, Segmentor, VolumeBackbone, VolumeHead } from './segmentors/types.js';

export const COMPONENT_KINDS = [
  'backbone',
  'neck',
  'head',
  'loss',
  'segmentor',
  'dataset',
  'transform',
  'metric',
  'optimizer',
  'scheduler',
] as const;

export type ComponentKind = (typeof COMPONENT_KINDS)[number];

/** What each kind builds; metrics have no common interface (tasks check the class they evaluate with). */
export interface ComponentTypes {
  backbone: Backbone | VolumeBackbone;
  neck: Neck;
  head: DecodeHead | VolumeHead;
  loss: SegLoss | DepthLoss;
  segmentor: Segmentor;
  dataset: Dataset;
  transform: Transform;
  metric: unknown;
  optimizer: Optimizer;
  scheduler: LrScheduler;
}

/**
 * What `build` returns when the caller names no type: the 2D interfaces for backbones and heads, whose registries
 * also hold volumetric parts (DFormer, DFormerHead). Build those with a type argument,
 * `registries.head.build<VolumeHead>(cfg, path)`; segmentors check at run time which kind they were given.
 */
export interface BuiltTypes extends ComponentTypes {
  backbone: Backbone;
  head: DecodeHead;
}

/** One registry per kind; nested components are built from the same set. */
export type Registries = { readonly [K in ComponentKind]: Registry<ComponentTypes[K], BuiltTypes[K]> };

/** Loads a checkpoint file into a module by parameter name (`init_cfg`); Node entries provide one. */
export type WeightLoader = (module: Module, file: string, options: { prefix?: string }) => unknown;

/** What a factory gets besides its options. */
export interface BuildContext {
  /** The registries this component is built from: build nested components (`options.backbone`) with them. */
  readonly registries: Registries;
  /** The config path of this component (`model.backbone`), to pass on as `${path}.backbone` and to name in errors. */
  readonly path: string;
  /**
   * Reads checkpoints for `init_cfg`, when the registries were given one (`setWeightLoader`): file access stays out
   * of model code, so backbones, necks and heads import no Node module.
   */
  readonly loadWeights?: WeightLoader;
}

/**
 * How to build one component type. `build` receives the options (the config without `type`) after they passed
 * `schema`, with the schema's defaults filled in, so `O` may describe them exactly. The description is the
 * schema's unless given.
 */
export interface ComponentSpec<T, O extends object = JsonObject> {
  build(options: O, ctx: BuildContext): T;
  schema: OptionsSchema;
  description?: string;
}

/** How to build a component declared with `defineOptions`: `build` receives options of the declared type. */
export interface DeclaredSpec<T, S extends TObject> {
  build(options: OptionsInput<S>, ctx: BuildContext): T;
  schema: S;
  description?: string;
}

const weightLoaders = new WeakMap<Registries, WeightLoader>();

/** Let components built from `family` load checkpoints (`init_cfg`) with `loader`. */
export function setWeightLoader(family: Registries, loader: WeightLoader): void {
  weightLoaders.set(family, loader);
}

/** A registered component type. */
export interface RegisteredComponent<T> {
  readonly type: string;
  readonly schema: OptionsSchema;
  readonly description: string;
  build(options: JsonObject, ctx: BuildContext): T;
}

/** A line of `segvit list`. */
export interface ComponentSummary {
  readonly type: string;
  readonly description: string;
}

/** The components of one kind, registered as `T`; `build` returns `D` unless the caller names another `T`. */
export class Registry<T, D extends T = T> {
  readonly #components = new Map<string, RegisteredComponent<T>>();

  /**
   * @param kind what this registry holds, as named in messages (`unknown backbone 'X'`)
   * @param family the set this registry belongs to, where nested components of its components are looked up
   */
  constructor(
    readonly kind: ComponentKind,
    private readonly family: Registries,
  ) {}

  /** Register `type`; registering a type twice is an error. */
  register<S extends TObject>(type: string, spec: DeclaredSpec<T, S>): void;
  register<O extends object = JsonObject>(type: string, spec: ComponentSpec<T, O>): void;
  register<O extends object>(type: string, spec: ComponentSpec<T, O>): void {
    if (this.#components.has(type)) throw new Error(`${this.kind} '${type}' is already registered`);
    const { schema } = spec;
    const description = spec.description ?? schema.description;
    if (description === undefined) throw new Error(`${this.kind} '${type}' needs a description (in its schema)`);
    // The options have passed `schema`, which is what `O` describes.
    const build = (options: JsonObject, ctx: BuildContext): T => spec.build(options as unknown as O, ctx);
    this.#components.set(type, { type, schema, description, build });
  }

  has(type: string): boolean {
    return this.#components.has(type);
  }

  /** The registered types, sorted. */
  types(): string[] {
    return [...this.#components.keys()].sort();
  }

  /** The component registered as `type`; unknown types are a ConfigError at `${path}.type`. */
  get(type: string, path?: string): RegisteredComponent<T> {
    const component = this.#components.get(type);
    if (component === undefined) {
      throw ConfigError.at(path === undefined ? 'type' : `${path}.type`, this.unknownType(type));
    }
    return component;
  }

  /** Why `type` cannot be built: `unknown backbone 'X' (did you mean 'Y'?); registered: A, B`. */
  unknownType(type: string): string {
    const registered = this.types();
    const listed = registered.length > 0 ? registered.join(', ') : 'none';
    return `unknown ${this.kind} '${type}'${didYouMean(type, registered)}; registered: ${listed}`;
  }

  /**
   * Validate `cfg` (`{type, ...options}`, found at config path `path`) against its type's schema, nested
   * components included, then build it. `cfg` itself is left untouched: defaults are filled into a copy.
   */
  build<R extends T = D>(cfg: ComponentConfig, path: string): R {
    const checked = structuredClone(cfg);
    validateComponent(this, this.family, checked, path);
    const { type, ...options } = checked;
    const ctx = { registries: this.family, path, loadWeights: weightLoaders.get(this.family) };
    // What `type` builds is known at run time only: the caller's R (by default D) is its declared expectation.
    return this.get(type, path).build(options, ctx) as R;
  }

  /** Type and description of every registered component, sorted by type. */
  summaries(): ComponentSummary[] {
    return this.types().map((type) => ({ type, description: this.get(type).description }));
  }
}

/** A fresh, empty set of registries (the global one is `registries`; tests make their own). */
export function createRegistries(): Registries {
  const family = {} as Registries;
  const members: Registries = {
    backbone: new Registry('backbone', family),
    neck: new Registry('neck', family),
    head: new Registry('head', family),
    loss: new Registry('loss', family),
    segmentor: new Registry('segmentor', family),
    dataset: new Registry('dataset', family),
    transform: new Registry('transform', family),
    metric: new Registry('metric', family),
    optimizer: new Registry('optimizer', family),
    scheduler: new Registry('scheduler', family),
  };
  return Object.assign(family, members);
}

/** The registries that segvit's components register into and that configs are built from. */
export const registries: Registries = createRegistries();

/** Every registered component by kind, for `segvit list`. */
export function listComponents(from: Registries = registries): Record<ComponentKind, ComponentSummary[]> {
  return Object.fromEntries(COMPONENT_KINDS.map((kind) => [kind, from[kind].summaries()])) as Record<
    ComponentKind,
    ComponentSummary[]
  >;
}
