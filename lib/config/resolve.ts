/**
 * The one way from options to what a class reads: the options are checked against the class's declaration by the
 * same ajv validator as configs, defaults are filled in from it, and nested components (configs of `component`
 * properties) are built from the registries. `new UPerHead({...})` and `{"type": "UPerHead", ...}` in a config both
 * pass here, so they give the same module.
 */
import type { TObject, TSchema } from '@sinclair/typebox';
import { registries as globalRegistries, type BuildContext, type ComponentKind, type Registry } from '../registry.js';
import type { OptionsInput, ResolvedOptions } from './declare.js';
import type { JSONSchema } from './json-schema.js';
import type { ComponentConfig } from './types.js';
import { isBuilt, validateOptions } from './validator.js';

/**
 * `input` checked against `schema`, with its defaults and nested components built at `${ctx.path}.${key}`. Without
 * `ctx` (a class constructed directly), nested components come from the global registries and errors name the
 * declared type (`UPerHead.channels: must be integer`). `input` itself is left untouched.
 */
export function resolveOptions<S extends TObject>(schema: S, input: OptionsInput<S>, ctx?: BuildContext): ResolvedOptions<S> {
  const context: BuildContext = ctx ?? { registries: globalRegistries, path: optionPath(schema) };
  const options = copyData(input) as Record<string, unknown>;
  validateOptions(context.registries, schema, options, context.path);
  for (const [key, property] of Object.entries(schema.properties)) {
    const kind = componentKind(property);
    const value = options[key];
    if (kind === undefined || value === undefined || value === null) continue;
    const registry = context.registries[kind] as Registry<unknown>;
    options[key] = buildNested(registry, value, `${context.path}.${key}`);
  }
  return options as ResolvedOptions<S>;
}

/**
 * Where the options of `schema` (or its option `key`) are in errors: at `ctx.path` when built from a config, else
 * under the declared type (`Pad.size`), as `resolveOptions` names them.
 */
export function optionPath(schema: TObject, ctx?: BuildContext, key?: string): string {
  const base = ctx?.path ?? schema.title ?? 'options';
  return key === undefined ? base : `${base}.${key}`;
}

/**
 * The kind of a `component` property (`{"component": kind}`, possibly inside `anyOf` with null, or the items of an
 * array: a dataset's `pipeline`), if it is one.
 */
function componentKind(schema: TSchema): ComponentKind | undefined {
  const s = schema as JSONSchema;
  const items = Array.isArray(s.items) ? undefined : s.items;
  return s.component ?? items?.component ?? s.anyOf?.find((branch) => branch.component !== undefined)?.component;
}

/** A config (or a list of them) built at `path` (`path.{i}` in a list); built components are kept as they are. */
function buildNested(registry: Registry<unknown>, value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item, i) => buildNested(registry, item, `${path}.${i}`));
  return isBuilt(value) ? value : registry.build(value as ComponentConfig, path);
}

/** A deep copy of the plain data in `value`; built components (class instances) are shared, not copied. */
function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyData);
  if (typeof value !== 'object' || value === null || isBuilt(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyData(v)]));
}
