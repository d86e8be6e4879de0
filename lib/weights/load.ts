/**
 * Loading a torch-layout state dict into a Module by the official PyTorch names, with a report of what did not match
 * (as `model.load_state_dict` reports missing and unexpected keys).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module, StateEntry } from '../nn/module.js';
import { fromTorch, torchShape } from './layout.js';
import { mismatchHints } from './mismatch-hints.js';
import type { TensorData, TensorRecord } from './record.js';

export interface LoadOptions {
  /**
   * Refuse the checkpoint, loading nothing, with a CheckpointMismatchError: `true` when any key is missing, unexpected
   * or mismatched (PyTorch's `strict=True`); `'model'` when any model tensor is missing or mismatched, unexpected
   * checkpoint tensors staying in the report. Default false: load what matches and report the rest.
   */
  strict?: boolean | 'model';
  /** The checkpoint's file name, to start the error message with. */
  file?: string;
  /** Keys (of the model or the checkpoint) matching any of these are neither loaded nor reported. */
  ignore?: RegExp[];
}

/** A checkpoint tensor whose shape differs from the model's; both shapes in torch layout. */
export interface ShapeMismatch {
  key: string;
  expected: number[];
  got: number[];
}

export interface LoadReport {
  loaded: string[];
  missing: string[];
  unexpected: string[];
  mismatched: ShapeMismatch[];
}

interface Assignment {
  entry: StateEntry;
  record: TensorRecord;
}

const LIST_LIMIT = 10;

/** A checkpoint refused by a strict load: the message lists the keys and hints; nothing was loaded. */
export class CheckpointMismatchError extends Error {
  constructor(
    message: string,
    readonly report: LoadReport,
  ) {
    super(message);
    this.name = 'CheckpointMismatchError';
  }
}

/**
 * Copy each state tensor of `module` from `tensors` (torch names and layouts), converting layout and dtype.
 * Mismatched shapes are reported and not loaded. With `strict`, a checkpoint that does not fit throws one
 * CheckpointMismatchError listing the keys, with hints on what the checkpoint looks like, and the module is left untouched.
 */
export function loadStateDict(
  module: Module,
  tensors: ReadonlyMap<string, TensorRecord>,
  options: LoadOptions = {},
): LoadReport {
  const ignored = (key: string) => options.ignore?.some((pattern) => key.search(pattern) >= 0) ?? false;
  const { report, assignments } = match(module, tensors, ignored);
  if (refused(report, options.strict ?? false)) {
    const file = options.file === undefined ? '' : `${options.file}: `;
    const title = `${file}checkpoint does not match ${module.constructor.name} (strict):`;
    const hints = mismatchHints(report).map((hint) => `hint: ${hint}`);
    throw new CheckpointMismatchError([title, ...problems(report), ...hints].join('\n  '), report);
  }
  for (const { entry, record } of assignments) assign(entry, record);
  return report;
}

/** A short human summary: counts, then the keys of each kind of problem. */
export function formatLoadReport(report: LoadReport): string {
  const total = report.loaded.length + report.missing.length + report.mismatched.length;
  return [`loaded ${report.loaded.length} of ${total} model tensors`, ...problems(report)].join('\n  ');
}

function refused(report: LoadReport, strict: boolean | 'model'): boolean {
  if (strict === false) return false;
  const modelProblem = report.missing.length > 0 || report.mismatched.length > 0;
  return modelProblem || (strict === true && report.unexpected.length > 0);
}

function match(
  module: Module,
  tensors: ReadonlyMap<string, TensorRecord>,
  ignored: (key: string) => boolean,
): { report: LoadReport; assignments: Assignment[] } {
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [] };
  const assignments: Assignment[] = [];
  const modelKeys = new Set<string>();
  for (const [key, entry] of module.namedState()) {
    modelKeys.add(key);
    if (ignored(key)) continue;
    const record = tensors.get(key);
    if (record === undefined) {
      report.missing.push(key);
      continue;
    }
    const expected = torchShape(entry.layout, entry.variable.shape);
    if (!sameShape(expected, record.shape)) {
      report.mismatched.push({ key, expected, got: [...record.shape] });
      continue;
    }
    report.loaded.push(key);
    assignments.push({ entry, record });
  }
  report.unexpected = [...tensors.keys()].filter((key) => !modelKeys.has(key) && !ignored(key));
  return { report, assignments };
}

function assign({ variable, layout }: StateEntry, record: TensorRecord): void {
  const { data } = fromTorch(layout, record.shape, record.data);
  const value = tf.tensor(castTo(variable.dtype, data), variable.shape, variable.dtype);
  variable.assign(value);
  value.dispose();
}

function castTo(dtype: tf.DataType, data: TensorData): TensorData {
  switch (dtype) {
    case 'float32': return data instanceof Float32Array ? data : Float32Array.from(data);
    case 'int32': return data instanceof Int32Array ? data : Int32Array.from(data);
    case 'bool': return data instanceof Uint8Array ? data : Uint8Array.from(data, (v) => (v ? 1 : 0));
    default: throw new Error(`cannot load into a ${dtype} variable`);
  }
}

/** Equal shapes; a scalar and a one-element [1] count as equal (writers differ on 0-d tensors such as num_batches_tracked). */
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  const scalar = (s: readonly number[]) => s.length === 0 || (s.length === 1 && s[0] === 1);
  if (scalar(a) && scalar(b)) return true;
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** One line per non-empty kind of problem. */
function problems(report: LoadReport): string[] {
  const lines: string[] = [];
  if (report.missing.length) lines.push(`missing (${report.missing.length}): ${listed(report.missing)}`);
  if (report.unexpected.length) lines.push(`unexpected (${report.unexpected.length}): ${listed(report.unexpected)}`);
  if (report.mismatched.length) {
    const shapes = report.mismatched.map((m) => `${m.key} (checkpoint [${m.got}], model [${m.expected}])`);
    lines.push(`mismatched (${shapes.length}): ${listed(shapes)}`);
  }
  return lines;
}

function listed(items: string[]): string {
  const shown = items.slice(0, LIST_LIMIT).join(', ');
  return items.length > LIST_LIMIT ? `${shown} ... and ${items.length - LIST_LIMIT} more` : shown;
}
