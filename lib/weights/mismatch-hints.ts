/**
 * What a checkpoint that does not fit a model looks like, in a few lines a user can act on. Read from the key names
 * alone (no architecture is named here): a segmentor checkpoint against one component and the reverse, a part of the
 * model the checkpoint has nothing for, a DataParallel `module.` on some keys, keys nested under a name the model
 * lacks, other sizes, a bigger model, and otherwise both namings side by side.
 */
import type { LoadReport } from './load.js';

const SEGMENTOR_PARTS = ['backbone', 'neck', 'decode_head', 'auxiliary_head'];
const SAMPLES = 3;
const GROUPS = 4;

/** Hints for `report` of a checkpoint that does not fit; empty when the report shows no problem. */
export function mismatchHints(report: LoadReport): string[] {
  const modelKeys = [...report.loaded, ...report.missing, ...report.mismatched.map((m) => m.key)];
  const fileKeys = [...report.loaded, ...report.unexpected, ...report.mismatched.map((m) => m.key)];
  const hints = [
    ...segmentorHints(modelKeys, fileKeys),
    ...emptyPartHints(report.missing, modelKeys, fileKeys),
    ...prefixHints(modelKeys, fileKeys),
  ];
  if (report.mismatched.length > 0) {
    hints.push('other shapes: the config builds other sizes than the checkpoint has (widths, depths, heads, window, classes)');
  }
  if (hints.length > 0 || report.missing.length === 0) return hints;
  if (report.unexpected.length === 0) {
    return ['the checkpoint has everything else the model has and nothing more: the config builds a bigger model (more blocks, stages, outputs or heads)'];
  }
  return [`unmatched checkpoint tensors are named ${groups(report.unexpected)}; the missing ones ${groups(report.missing)}`];
}

function firstName(key: string): string {
  return key.split('.', 1)[0];
}

/** Distinct first names of `keys`, in order of appearance. */
function firstNames(keys: readonly string[]): string[] {
  return [...new Set(keys.map(firstName))];
}

function isSegmentor(keys: readonly string[]): boolean {
  return keys.some((key) => firstName(key) === 'backbone') && keys.some((key) => firstName(key) === 'decode_head');
}

function segmentorHints(modelKeys: readonly string[], fileKeys: readonly string[]): string[] {
  const fileParts = firstNames(fileKeys).filter((name) => SEGMENTOR_PARTS.includes(name));
  if (isSegmentor(modelKeys) && fileParts.length === 0 && fileKeys.length > 0) {
    return [
      `the checkpoint holds one component (keys start with ${listed(firstNames(fileKeys))}), not a segmentor ` +
        "(backbone.*, decode_head.*): to fine-tune from a backbone's weights, set model.backbone.init_cfg",
    ];
  }
  if (!isSegmentor(modelKeys) && isSegmentor(fileKeys)) {
    return ["the checkpoint is a segmentor's (backbone.*, decode_head.*): a backbone takes its backbone.* part"];
  }
  return [];
}

/** A top-level part of the model of which every tensor is missing while the checkpoint has no key under it. */
function emptyPartHints(missing: readonly string[], modelKeys: readonly string[], fileKeys: readonly string[]): string[] {
  if (!isSegmentor(modelKeys)) return [];
  const fileParts = new Set(fileKeys.map(firstName));
  if (![...fileParts].some((part) => SEGMENTOR_PARTS.includes(part))) return [];
  const missingParts = firstNames(missing).filter((part) => !fileParts.has(part));
  return missingParts.map((part) => {
    const count = missing.filter((key) => firstName(key) === part).length;
    return `the checkpoint has no ${part}.* tensors (${count} missing): saved without it, or the config adds it`;
  });
}

/** Keys nested under a name the model lacks: partly under DataParallel's `module.`, or all under one name. */
function prefixHints(modelKeys: readonly string[], fileKeys: readonly string[]): string[] {
  const wrapped = fileKeys.filter((key) => firstName(key) === 'module').length;
  if (wrapped > 0 && wrapped < fileKeys.length) {
    return [`${wrapped} of ${fileKeys.length} checkpoint keys start with 'module.' (DataParallel) and the others do not`];
  }
  const names = firstNames(fileKeys);
  const modelNames = new Set(modelKeys.map(firstName));
  if (names.length === 1 && fileKeys.length > 1 && !modelNames.has(names[0]) && !SEGMENTOR_PARTS.includes(names[0])) {
    return [`every checkpoint key starts with '${names[0]}.', a name the model does not have: the model is nested in it`];
  }
  return [];
}

/**
 * `keys` grouped by their first two names (one for keys of two names), numbers as N, with counts in order of first
 * appearance: `pretrained.model.* (150), scratch.refinenetN.* (48)`.
 */
function groups(keys: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const key of keys) {
    const names = key.replace(/\d+/g, 'N').split('.');
    const group = names.length === 1 ? names[0] : `${names.slice(0, names.length > 2 ? 2 : 1).join('.')}.*`;
    counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  const shown = [...counts].slice(0, GROUPS).map(([group, n]) => `${group} (${n})`).join(', ');
  return counts.size > GROUPS ? `${shown}, ...` : shown;
}

function listed(names: readonly string[]): string {
  return names.length > SAMPLES ? `${names.slice(0, SAMPLES).join(', ')}, ...` : names.join(', ');
}
