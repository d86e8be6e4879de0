/**
 * The README's component tables, generated from the registries (`segvit list --markdown`): per kind, each type with
 * its description and its options, each with its default (or `required` / `optional`) and its description, all as
 * the components declared them.
 */
import type { TSchema } from '@sinclair/typebox';
import { declaredIn } from './config/declare.js';
import type { Json } from './config/json.js';
import type { JSONSchema } from './config/json-schema.js';
import { COMPONENT_KINDS, registries as globalRegistries, type Registries } from './registry.js';

/** Markdown of one table cell: pipes escaped, line breaks kept out. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function code(value: Json | undefined): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

/** `name` = default: description (or `name` (required), `name` (optional) without a default). */
function optionLine(name: string, schema: JSONSchema, required: boolean): string {
  const value = 'default' in schema ? ` = ${code(schema.default)}` : required ? ' (required)' : ' (optional)';
  return `\`${name}\`${value}${schema.description ? `: ${schema.description}` : ''}`;
}

/**
 * The declaration with the most options whose options `schema` all has, as the same objects (SeMask-Swin's: Swin's;
 * UPerHead's: BaseDecodeHead's), if any.
 */
function baseOf(schema: JSONSchema): JSONSchema | undefined {
  const own = schema.properties ?? {};
  let base: JSONSchema | undefined;
  for (const option of Object.values(own)) {
    const origin = declaredIn(option as TSchema) as JSONSchema | undefined;
    if (!origin || origin === schema || origin === base) continue;
    const theirs = Object.entries(origin.properties ?? {});
    if (theirs.every(([name, p]) => own[name] === p) && theirs.length > Object.keys(base?.properties ?? {}).length) {
      base = origin;
    }
  }
  return base;
}

/**
 * The options cell of a type: one line per option; an alias points to its type, and a type with all the options of
 * a base declaration lists only its own after naming the base.
 */
function optionsCell(type: string, schema: JSONSchema): string {
  if (schema.title !== undefined && schema.title !== type) return `as \`${schema.title}\``;
  const required = new Set(schema.required ?? []);
  const base = baseOf(schema);
  const inherited = new Set(Object.keys(base?.properties ?? {}));
  const lines = Object.entries(schema.properties ?? {})
    .filter(([name]) => !inherited.has(name))
    .map(([name, s]) => optionLine(name, s, required.has(name)));
  if (base) lines.unshift(`all of \`${base.title}\`'s, plus:`);
  return lines.length > 0 ? lines.join('<br>') : 'none';
}

const row = (type: string, description: string, options: string) => `| ${type} | ${cell(description)} | ${cell(options)} |`;

/** One markdown table per kind that has components: type, description, options. */
export function componentTables(from: Registries = globalRegistries): string {
  const sections: string[] = [];
  for (const kind of COMPONENT_KINDS) {
    const registry = from[kind];
    if (registry.types().length === 0) continue;
    const rows = registry.types().map((type) => {
      const { description, schema } = registry.get(type);
      return row(`\`${type}\``, description, optionsCell(type, schema as JSONSchema));
    });
    // Bases that are no type of their own (BaseDecodeHead) get a row of their own, in italics.
    const bases = new Set(registry.types().map((type) => baseOf(registry.get(type).schema as JSONSchema)));
    for (const base of bases) {
      if (base?.title === undefined || registry.has(base.title)) continue;
      rows.push(row(`*\`${base.title}\`*`, `${base.description ?? ''}; not a type of its own`, optionsCell(base.title, base)));
    }
    sections.push([`#### ${kind}`, '', '| type | description | options |', '|---|---|---|', ...rows].join('\n'));
  }
  return `${sections.join('\n\n')}\n`;
}
