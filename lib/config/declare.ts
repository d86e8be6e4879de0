/**
 * How a component declares its options, once, beside its class: mmseg's snake_case names, a default, a one-line
 * description and the JSON schema of each, as TypeBox schemas. Two TypeScript types derive from a declaration:
 * `OptionsInput` (what a caller passes: keys with a default may be left out, nested components may be configs or
 * built components) and `ResolvedOptions` (what the class reads after `resolveOptions`: defaults filled in, nested
 * components built).
 *
 *     export const UPerHeadOptions = defineOptions('UPerHead', 'UPerNet: ...', {
 *       ...DecodeHeadOptions.properties,
 *       pool_scales: option(positiveInts, [1, 2, 3, 6], 'output sizes of the pyramid pooling branches'),
 *     });
 *
 * The builders here emit plain JSON Schema (draft-07 plus segvit's `component` / `list` keywords), the same that
 * ajv checks configs against.
 */
import {
  Type,
  type Evaluate,
  type TArray,
  type Static,
  type TObject,
  type TOptional,
  type TProperties,
  type TSchema,
  type TUnsafe,
} from '@sinclair/typebox';
import type { ComponentKind, ComponentTypes } from '../registry.js';
import type { Json } from './json.js';
import type { ComponentConfig } from './types.js';

/** A property whose absence means `default`. */
export type TDefault<T extends TSchema> = TOptional<T> & { default: Static<T> };

/** A schema that also accepts null. */
export interface TNullable<T extends TSchema> extends TSchema {
  static: Static<T> | null;
  /** Type-level only (absent at run time): what the value is when it is not null. */
  readonly [NULLABLE]: T;
}
declare const NULLABLE: unique symbol;

/** A nested component of `kind` (`list`: or a list of them), given as a config or as a built component. */
export interface TComponent<K extends ComponentKind, L extends boolean = false> extends TSchema {
  static: ComponentInput<K, L>;
  component: K;
  /** Type-level only (absent at run time): whether a list is accepted. */
  readonly [LIST]: L;
}
declare const LIST: unique symbol;

type OneOrList<T, L extends boolean> = L extends true ? T | T[] : T;

/** A nested component as a caller may give it: a config (`{type, ...options}`) or a built component. */
export type ComponentInput<K extends ComponentKind, L extends boolean = false> = OneOrList<
  ComponentConfig | ComponentTypes[K],
  L
>;

/** The options a caller passes: keys with a default are optional, nested components are configs or built. */
export type OptionsInput<S extends TSchema> = Static<S>;

/** The options a class reads: every default filled in (recursively), nested components built. */
export type ResolvedOptions<S extends TSchema> =
  S extends TComponent<infer K, infer L>
    ? OneOrList<ComponentTypes[K], L>
    : S extends TNullable<infer T>
      ? ResolvedOptions<T> | null
      : S extends TArray<infer T>
        ? ResolvedOptions<T>[]
        : S extends TObject<infer P>
          ? ResolvedProperties<P>
          : Static<S>;

type OptionalKeys<P extends TProperties> = {
  [K in keyof P]: P[K] extends TOptional<TSchema> ? (P[K] extends { default: unknown } ? never : K) : never;
}[keyof P];

type ResolvedProperties<P extends TProperties> = Evaluate<
  { [K in Exclude<keyof P, OptionalKeys<P>>]: ResolvedOptions<P[K]> } & { [K in OptionalKeys<P>]?: ResolvedOptions<P[K]> }
>;

/** The declaration each option was first declared in (spreading a declaration's options into another keeps it). */
const origins = new WeakMap<TSchema, TObject>();

/** The declaration `option` comes from, for docs that list inherited options once (`segvit list --markdown`). */
export function declaredIn(option: TSchema): TObject | undefined {
  return origins.get(option);
}

/**
 * The options of component `type`: `description` is the component's one line (shown by `segvit list`), each
 * property is built with `option`, `required` or `optional`. Unknown keys are errors unless `additionalProperties`.
 */
export function defineOptions<P extends TProperties>(
  type: string,
  description: string,
  properties: P,
  extra: { additionalProperties?: boolean } = {},
): TObject<P> {
  const schema = Type.Object(properties, { title: type, description, additionalProperties: extra.additionalProperties ?? false });
  for (const property of Object.values(properties)) if (!origins.has(property)) origins.set(property, schema as unknown as TObject);
  return schema;
}

/** An option that takes `value` when left out. */
export function option<T extends TSchema>(schema: T, value: Static<T>, description: string): TDefault<T> {
  return Type.Optional({ ...schema, default: value, description }) as TDefault<T>;
}

/** An option that must be given. */
export function required<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}

/** An option that may be left out without a default; `description` says what its absence means. */
export function optional<T extends TSchema>(schema: T, description: string): TOptional<T> {
  return Type.Optional({ ...schema, description }) as TOptional<T>;
}

/** `schema` or null: `type` widened with 'null' (`{"type": ["number", "null"]}`), else `anyOf` null. */
export function nullable<T extends TSchema>(schema: T): TNullable<T> {
  if (schema.type !== undefined) return { ...schema, type: [schema.type, 'null'].flat() } as unknown as TNullable<T>;
  return Type.Unsafe({ anyOf: [{ type: 'null' }, schema] }) as unknown as TNullable<T>;
}

/** One of the listed values (`{"enum": [...]}`). */
export function choice<const V extends readonly Json[]>(values: V): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ enum: [...values] });
}

/** Exactly `value` (`{"const": value}`). */
export function constant<const V extends Json>(value: V): TUnsafe<V> {
  return Type.Unsafe<V>({ const: value });
}

/**
 * A nested component of `kind` (`{"component": kind}`), checked against the schema its `type` registered and built
 * from the same registries; with `list`, a list of them is accepted too (mmseg's `loss_decode`, `auxiliary_head`).
 */
export function component<K extends ComponentKind, L extends boolean = false>(
  kind: K,
  options: { list?: L } = {},
): TComponent<K, L> {
  return Type.Unsafe({ component: kind, ...(options.list ? { list: true } : {}) }) as unknown as TComponent<K, L>;
}
