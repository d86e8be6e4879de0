/** What to change when a training step runs the wasm heap out, for the model at hand. */
import { memoryMB, WASM_MAX_HEAP_MB } from '../backend.js';
import { registries } from '../registry.js';
import type { ComponentConfig } from '../config/types.js';
import type { Segmentor } from '../segmentors/types.js';

/** Whether the backbone type of `cfg` takes `with_cp: true` (a real option, not the accepted constant false). */
function takesWithCp(backbone: ComponentConfig | undefined): boolean {
  if (!backbone || !registries.backbone.has(backbone.type)) return false;
  const withCp = (registries.backbone.get(backbone.type).schema.properties as Record<string, { default?: unknown }>).with_cp;
  return withCp?.default === false && backbone.with_cp !== true;
}

/** Ways to save training memory that `model` (built from `backbone`'s config) has and does not use yet. */
export function memorySavers(model: Segmentor, backbone: ComponentConfig | undefined): string[] {
  const savers: string[] = [];
  const cuts = (model as { backbone?: { cuts?: unknown } }).backbone?.cuts;
  const modules = model.localLearning?.numModules ?? 1;
  if (cuts && model.task === 'segmentation' && modules < 4) {
    savers.push('train the backbone module by module (model.train_cfg.local_learning.num_modules=4)');
  }
  if (takesWithCp(backbone)) savers.push('recompute its blocks in the backward (model.backbone.with_cp=true)');
  return savers;
}

/**
 * The error of a wasm failure during a training step: most likely the heap ran out. `lower` names the batch and
 * crop keys to lower; the model's own memory savers follow.
 */
export function outOfMemory(err: Error, lower: string, savers: string[]): Error {
  const ways = [lower, ...savers, 'run on the tensorflow backend'];
  return new Error(
    `the wasm backend failed (${err.message}) with its heap at ${memoryMB().toFixed(0)} MB of at most ` +
      `${WASM_MAX_HEAP_MB} MB: most likely out of memory. ${ways.slice(0, -1).join(', ')}, or ${ways.at(-1)}`,
  );
}
