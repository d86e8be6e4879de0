/**
 * `--cfg-options key.path=value` overrides, parsed as mmseg's DictAction does. The value is JSON when it parses as
 * JSON (`0.01`, `true`, `null`, `[1,2]`, `{"x":1}`), otherwise an unquoted list or tuple (`1,2`, `[a,b]`, `(512,512)`),
 * otherwise a string. Python's `True`, `False` and `None` are understood. Path segments that meet a list are indices
 * (`model.auxiliary_head.0.loss_weight=0.2`). A dict value merges into the dict it replaces, as in mmseg.
 */
import { ConfigError } from './errors.js';
import { isJsonObject, type Json, type JsonObject } from './json.js';
import { mergeValue } from './merge.js';

/** One parsed override: `keys` is the dotted path split into segments. */
export interface CfgOption {
  readonly text: string;
  readonly keys: readonly string[];
  readonly value: Json;
}

const PYTHON_LITERALS: ReadonlyMap<string, Json> = new Map([
  ['True', true],
  ['False', false],
  ['None', null],
]);

const CLOSING: Readonly<Record<string, string>> = { '[': ']', '(': ')', '{': '}' };

function optionError(text: string, reason: string): ConfigError {
  return ConfigError.at(`--cfg-options '${text}'`, reason);
}

function parseJsonValue(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/** Split at commas outside brackets and double-quoted strings; undefined when the brackets do not balance. */
function splitTopLevel(text: string): string[] | undefined {
  const parts: string[] = [];
  const open: string[] = [];
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) inString = !(char === '"' && text[i - 1] !== '\\');
    else if (char === '"') inString = true;
    else if (char in CLOSING) open.push(CLOSING[char]);
    else if (char === open[open.length - 1]) open.pop();
    else if (char === ',' && open.length === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (open.length > 0 || inString) return undefined;
  return [...parts, text.slice(start)];
}

function parseItems(parts: readonly string[]): Json[] {
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseCfgValue);
}

/** The JSON value of an override's right-hand side. */
export function parseCfgValue(raw: string): Json {
  const text = raw.trim();
  const json = parseJsonValue(text);
  if (json !== undefined) return json;
  const bracketed = /^\[.*\]$|^\(.*\)$/s.test(text);
  const parts = splitTopLevel(bracketed ? text.slice(1, -1) : text);
  if (parts !== undefined && (bracketed || parts.length > 1)) return parseItems(parts);
  return PYTHON_LITERALS.has(text) ? PYTHON_LITERALS.get(text)! : text;
}

/** Parse one `key.path=value` override. */
export function parseCfgOption(text: string): CfgOption {
  const eq = text.indexOf('=');
  if (eq <= 0) throw optionError(text, 'expected key=value');
  const keys = text.slice(0, eq).trim().split('.');
  if (keys.some((key) => key === '')) throw optionError(text, 'empty key in the dotted path');
  if (keys.includes('__proto__')) throw optionError(text, "'__proto__' is not a config key");
  return { text, keys, value: parseCfgValue(text.slice(eq + 1)) };
}

type Container = JsonObject | Json[];

/** Index of `key` into `list`, or an error naming the path so far. */
function listIndex(list: Json[], key: string, option: CfgOption, listPath: string): number {
  const index = /^\d+$/.test(key) ? Number(key) : NaN;
  if (!(index < list.length)) {
    throw optionError(option.text, `${listPath} is a list of ${list.length}; '${key}' is not an index into it`);
  }
  return index;
}

function describe(value: Json): string {
  return value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`;
}

/** Set `option.value` at its path in `root` (in place), creating missing dicts along the way. */
function applyOption(root: JsonObject, option: CfgOption): void {
  const last = option.keys.length - 1;
  let node: Container = root;
  for (const [depth, key] of option.keys.entries()) {
    const parentPath = option.keys.slice(0, depth).join('.');
    const slot: number | string = Array.isArray(node) ? listIndex(node, key, option, parentPath) : key;
    const parent = node as Record<number | string, Json>;
    const current: Json | undefined = Object.hasOwn(parent, slot) ? parent[slot] : undefined;
    if (depth === last) {
      parent[slot] = mergeValue(current, option.value);
      return;
    }
    const child: Json = current ?? (parent[slot] = {});
    if (!isJsonObject(child) && !Array.isArray(child)) {
      const path = option.keys.slice(0, depth + 1).join('.');
      throw optionError(option.text, `${path} is ${describe(child)}, not a dict or list`);
    }
    node = child;
  }
}

/** A copy of `cfg` with each override applied in order. */
export function applyCfgOptions(cfg: JsonObject, options: readonly string[]): JsonObject {
  const result = structuredClone(cfg);
  for (const text of options) applyOption(result, parseCfgOption(text));
  return result;
}
