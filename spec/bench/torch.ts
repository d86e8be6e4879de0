/**
 * The PyTorch side of the benchmark under Debian's python3-torch, when present: tools/reference/bench_swin.py, and
 * tools/reference/bench_dformer.py (the official D-Former model.py, from DFORMER_REPO) for the dformer_* cases.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
const script = (caseId: string) =>
  fileURLToPath(new URL(`../../../tools/reference/${caseId.startsWith('dformer') ? 'bench_dformer' : 'bench_swin'}.py`, import.meta.url));

export interface TorchResult {
  ms: number;
  peak_mb: number;
  torch: string;
  threads: number;
  /** Why the case did not run (bench_dformer.py without the official code). */
  skipped?: string;
}

/** Why PyTorch cannot run (no interpreter, or no torch in it), or undefined when it can. */
export function torchMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON}: ${r.error.message}`;
  if (r.status !== 0) return `${PYTHON} cannot import torch (${r.stderr.trim().split('\n').pop()})`;
  return undefined;
}

/** Run one case of bench_swin.py in its own process and return its JSON line. */
export function runTorch(caseId: string, repeats: number, side?: number): TorchResult {
  const args = [script(caseId), caseId, '--repeats', String(repeats), ...(side ? ['--side', String(side)] : [])];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as TorchResult;
}
