/**
 * Loading a JSON config: `_base_` files (paths relative to the file that names them) are resolved recursively and
 * merged in order, the file's own keys are merged on top, then `--cfg-options` overrides are applied.
 */
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { isJsonObject, type JsonObject } from './json.js';
import { mergeConfig } from './merge.js';
import { applyCfgOptions } from './options.js';
import { displayPath, readJsonFile } from './read-json.js';

export const BASE_KEY = '_base_';

export interface LoadOptions {
  /** `key.path=value` overrides, as given to `--cfg-options`. */
  readonly cfgOptions?: readonly string[];
}

/** Load `file` with its `_base_` chain resolved and `cfgOptions` applied: a plain JSON object without `_base_`. */
export function loadConfig(file: string, options: LoadOptions = {}): JsonObject {
  const resolved = resolveConfigFile(resolve(file), []);
  return applyCfgOptions(resolved, options.cfgOptions ?? []);
}

/** `file` merged onto its bases; `chain` holds the files whose bases are being resolved, to detect cycles. */
function resolveConfigFile(file: string, chain: readonly string[]): JsonObject {
  const { [BASE_KEY]: bases, ...own } = readConfigObject(file);
  const inherited = basePaths(bases, file).reduce<JsonObject>(
    (merged, base) => mergeConfig(merged, resolveConfigFile(checkBase(base, file, chain), [...chain, file])),
    {},
  );
  return mergeConfig(inherited, own);
}

function readConfigObject(file: string): JsonObject {
  const content = readJsonFile(file);
  if (!isJsonObject(content)) throw ConfigError.at(displayPath(file), 'a config file must hold a JSON object');
  return content;
}

/** Absolute paths of the `_base_` entry of `file` (a path or a list of paths relative to `file`). */
function basePaths(bases: unknown, file: string): string[] {
  if (bases === undefined) return [];
  const list = Array.isArray(bases) ? bases : [bases];
  if (!list.every((base): base is string => typeof base === 'string')) {
    throw ConfigError.at(displayPath(file), `${BASE_KEY} must be a path or a list of paths`);
  }
  return list.map((base) => resolve(dirname(file), base));
}

/** `base`, once it is known to exist and not to include `file` again. */
function checkBase(base: string, file: string, chain: readonly string[]): string {
  if (!existsSync(base)) throw ConfigError.at(displayPath(file), `${BASE_KEY} '${displayPath(base)}' not found`);
  const cycle = [...chain, file];
  const start = cycle.indexOf(base);
  if (start >= 0) {
    const loop = [...cycle.slice(start), base].map(displayPath).join(' -> ');
    throw ConfigError.at(displayPath(file), `${BASE_KEY} cycle: ${loop}`);
  }
  return base;
}
