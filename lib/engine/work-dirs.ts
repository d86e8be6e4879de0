/** Finding what to load from what a user names: a weights file, a checkpoint directory or a work dir. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findLatest } from './checkpoint.js';

/**
 * The weights file for `path`: a file as it is; a checkpoint directory's model.safetensors; a work dir's latest
 * checkpoint's model.safetensors.
 */
export function resolveWeights(path: string): string {
  if (!existsSync(path)) throw new Error(`${path}: no such checkpoint file or directory`);
  if (!statSync(path).isDirectory()) return path;
  const inDir = join(path, 'model.safetensors');
  if (existsSync(inDir)) return inDir;
  const latest = findLatest(path);
  if (latest) return join(latest, 'model.safetensors');
  throw new Error(`${path}: neither a checkpoint directory (model.safetensors) nor a work dir with checkpoints`);
}

/** The work dir under `root` whose `latest` checkpoint pointer was written most recently, or null. */
export function latestWorkDir(root = 'work_dirs'): string | null {
  if (!existsSync(root)) return null;
  const dirs = readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, 'latest')) && existsSync(join(dir, 'config.json')))
    .map((dir) => ({ dir, time: statSync(join(dir, 'latest')).mtimeMs }))
    .sort((a, b) => b.time - a.time);
  return dirs[0]?.dir ?? null;
}
