/** Building a loader's dataset from its config, the same way in the main thread and in every worker. */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ComponentConfig } from '../../lib/config/types.js';
import { registries } from '../../lib/registry.js';
import type { Dataset } from '../types.js';

/**
 * A module specifier importable from any thread: file paths (absolute, or relative to the working directory)
 * become file URLs; URLs and package names stay as they are.
 */
export function resolveImport(specifier: string): string {
  const isPath = isAbsolute(specifier) || specifier.startsWith('./') || specifier.startsWith('../');
  return isPath ? pathToFileURL(resolve(specifier)).href : specifier;
}

/** Import modules for their side effects (registering components), in order. */
export async function importModules(urls: string[]): Promise<void> {
  for (const url of urls) await import(url);
}

/** Whether `value` has what the loader uses of a Dataset (datasets of imported modules are not type-checked). */
function isDataset(value: unknown): value is Dataset {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Partial<Dataset>;
  return typeof d.length === 'number' && typeof d.get === 'function' && typeof d.info === 'function';
}

/**
 * The dataset `config` describes, built from the global registries and opened (see Dataset.open); `path` names the
 * config in errors.
 */
export async function buildDataset(config: ComponentConfig, path: string): Promise<Dataset> {
  const dataset: unknown = registries.dataset.build(config, path);
  if (typeof dataset === 'object' && dataset !== null && 'open' in dataset && typeof dataset.open === 'function') {
    try {
      await (dataset as Required<Dataset>).open();
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (!isDataset(dataset)) throw new Error(`${path}: '${config.type}' does not build a dataset (length, info, get)`);
  return dataset;
}
