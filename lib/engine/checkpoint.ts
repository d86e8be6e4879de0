/**
 * Training checkpoints for `--resume`: one directory per save, `<work_dir>/iter_<n>/` holding
 *   model.safetensors      the model's state in official names and torch layouts (loadable by PyTorch and `load_from`)
 *   optimizer.safetensors  the optimizer's buffers as `<parameter name>.<buffer>` (TF.js layout)
 *   state.json             iteration, optimizer step counts, scheduler state, rng states, best metric, config
 * The directory is written under a temporary name and renamed when complete; then the `latest` pointer (a text file
 * holding the directory's name) is replaced atomically. A crash at any point leaves `latest` on a complete checkpoint.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Json, JsonObject } from '../config/json.js';
import { writeAtomic } from '../files.js';
import type { Module } from '../nn/module.js';
import type { TensorRecord } from '../weights/record.js';
import { readSafetensors, saveSafetensors, writeSafetensors } from '../weights/node.js';
import type { Optimizer, OptimizerStateDict } from './optim/optimizer.js';

const FORMAT_VERSION = 1;
const MODEL_FILE = 'model.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'state.json';
const LATEST = 'latest';
const BEST = 'best';
const CHECKPOINT_DIR = /^iter_(\d+)$/;

/** The best validation result so far. */
export interface BestRecord {
  metric: string;
  value: number;
  iteration: number;
}

/** What state.json holds. */
export interface CheckpointState {
  version: number;
  /** Iterations completed: training resumes at this iteration. */
  iteration: number;
  /** The optimizer's type and per-parameter step counts (its buffers are in optimizer.safetensors). */
  optimizer: { type: string; steps: Record<string, number> } | null;
  /** Whatever the scheduler needs beyond the iteration (null for segvit's closed-form schedules). */
  scheduler: Json;
  /** Random generator states by name (`Rng.state`). */
  rng: Record<string, number>;
  best: BestRecord | null;
  config: JsonObject;
}

/** What to save at one iteration. */
export interface CheckpointContents {
  iteration: number;
  model: Module;
  optimizer?: Optimizer;
  scheduler?: Json;
  rng?: Record<string, number>;
  best?: BestRecord | null;
  config?: JsonObject;
}

/** A checkpoint read back for resuming. */
export interface LoadedCheckpoint {
  dir: string;
  state: CheckpointState;
  /** Model state in official names and torch layouts, for `loadStateDict`. */
  model: Map<string, TensorRecord>;
  /** For `Optimizer.loadStateDict`; null when no optimizer was saved. */
  optimizer: OptimizerStateDict | null;
}

/** The directory of the checkpoint at `iteration` in `workDir`. */
export function checkpointDir(workDir: string, iteration: number): string {
  return join(workDir, `iter_${iteration}`);
}

/**
 * Save `contents` as `<workDir>/iter_<iteration>/` (replacing one of the same iteration), point `latest` at it, then
 * delete all but the newest `maxKeepCkpts` checkpoints (mmengine's `max_keep_ckpts`; the `best` one is kept).
 * Returns the checkpoint directory.
 */
export function saveCheckpoint(workDir: string, contents: CheckpointContents, maxKeepCkpts?: number): string {
  mkdirSync(workDir, { recursive: true });
  const dir = checkpointDir(workDir, contents.iteration);
  const tmp = join(workDir, `.iter_${contents.iteration}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    writeContents(tmp, contents);
    replaceDir(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  writePointer(workDir, LATEST, dir);
  if (maxKeepCkpts !== undefined) prune(workDir, maxKeepCkpts);
  return dir;
}

/** Point `best` at the saved checkpoint of `iteration`. */
export function markBest(workDir: string, iteration: number): void {
  const dir = checkpointDir(workDir, iteration);
  if (!isComplete(dir)) throw new Error(`markBest: ${dir} is not a complete checkpoint`);
  writePointer(workDir, BEST, dir);
}

/** Read the checkpoint in `dir` (an `iter_<n>` directory). */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const stateFile = join(dir, STATE_FILE);
  if (!existsSync(stateFile)) throw new Error(`${dir} is not a checkpoint: it has no ${STATE_FILE}`);
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as CheckpointState;
  if (state.version !== FORMAT_VERSION) throw new Error(`${stateFile}: unknown checkpoint version ${state.version}`);
  const model = readSafetensors(join(dir, MODEL_FILE)).tensors;
  const optimizer = state.optimizer && {
    type: state.optimizer.type,
    steps: state.optimizer.steps,
    tensors: readSafetensors(join(dir, OPTIMIZER_FILE)).tensors,
  };
  return { dir, state, model, optimizer };
}

/**
 * The checkpoint to resume from: the one `latest` names, or, when that pointer is missing or stale, the complete
 * checkpoint of the highest iteration; null when there is none.
 */
export function findLatest(workDir: string): string | null {
  const pointed = readPointer(workDir, LATEST);
  if (pointed !== null) return pointed;
  const [newest] = checkpoints(workDir);
  return newest === undefined ? null : newest.dir;
}

/** The checkpoint `best` names, or null. */
export function findBest(workDir: string): string | null {
  return readPointer(workDir, BEST);
}

/** Write the files, state.json last. */
function writeContents(dir: string, contents: CheckpointContents): void {
  saveSafetensors(contents.model, join(dir, MODEL_FILE));
  let optimizer: CheckpointState['optimizer'] = null;
  if (contents.optimizer) {
    const { type, tensors, steps } = contents.optimizer.stateDict();
    writeSafetensors(join(dir, OPTIMIZER_FILE), tensors, { format: 'segvit optimizer state', layout: 'tfjs', type });
    optimizer = { type, steps };
  }
  const state: CheckpointState = {
    version: FORMAT_VERSION,
    iteration: contents.iteration,
    optimizer,
    scheduler: contents.scheduler ?? null,
    rng: contents.rng ?? {},
    best: contents.best ?? null,
    config: contents.config ?? {},
  };
  writeAtomic(join(dir, STATE_FILE), [new TextEncoder().encode(`${JSON.stringify(state, null, 2)}\n`)]);
}

/**
 * Rename `from` to `to`; an existing `to` (the same iteration saved again) is moved aside first and deleted after.
 * A crash in between leaves `latest` naming a missing directory, and `findLatest` falls back to the newest complete one.
 */
function replaceDir(from: string, to: string): void {
  if (!existsSync(to)) {
    renameSync(from, to);
    return;
  }
  const old = `${to}.replaced`;
  rmSync(old, { recursive: true, force: true });
  renameSync(to, old);
  renameSync(from, to);
  rmSync(old, { recursive: true, force: true });
}

function writePointer(workDir: string, name: string, dir: string): void {
  writeAtomic(join(workDir, name), [new TextEncoder().encode(`${basename(dir)}\n`)]);
}

/** The complete checkpoint a pointer file names, or null. */
function readPointer(workDir: string, name: string): string | null {
  const file = join(workDir, name);
  if (!existsSync(file)) return null;
  const dir = join(workDir, readFileSync(file, 'utf8').trim());
  return isComplete(dir) ? dir : null;
}

function isComplete(dir: string): boolean {
  return existsSync(join(dir, STATE_FILE));
}

/** The complete checkpoints of `workDir`, newest first. */
function checkpoints(workDir: string): { dir: string; iteration: number }[] {
  if (!existsSync(workDir)) return [];
  return readdirSync(workDir)
    .map((name) => ({ name, match: CHECKPOINT_DIR.exec(name) }))
    .filter(({ match, name }) => match !== null && isComplete(join(workDir, name)))
    .map(({ name, match }) => ({ dir: join(workDir, name), iteration: Number(match![1]) }))
    .sort((a, b) => b.iteration - a.iteration);
}

/** Delete all but the newest `keep` checkpoints, sparing those `latest` and `best` name. */
function prune(workDir: string, keep: number): void {
  const spared = new Set([readPointer(workDir, LATEST), readPointer(workDir, BEST)]);
  for (const { dir } of checkpoints(workDir).slice(Math.max(keep, 1))) {
    if (!spared.has(dir)) rmSync(dir, { recursive: true, force: true });
  }
}
