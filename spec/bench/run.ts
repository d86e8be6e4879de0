/**
 * Speed and memory benchmarks (`npm run bench`): segvit next to PyTorch on the same cases, one table.
 *
 * Each case runs in a fresh process on each side (this file with `--case ID`, and tools/reference/bench_swin.py),
 * so each memory figure belongs to its case alone. Times are medians of a few repeats after a warm-up. segvit runs
 * on SEGVIT_BACKEND, else the default backend (wasm here); PyTorch with 2 threads, when /usr/bin/python3 imports
 * torch (Debian's python3-torch), and is skipped with a note otherwise. Every segvit case is also checked for
 * tensor leaks (exit code 1 when a case leaves tensors behind).
 *
 * Swin-T + UPerNet training at 512x512 needs more than wasm's 4 GB heap: the bench then searches the largest side
 * that fits (SEGVIT_BENCH_SIDE=<side> skips the search), runs both sides there, and adds a PyTorch-only row at 512.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../lib/backend.js';
import { CASES, measure, type CaseResult } from './cases.js';
import { runTorch, torchMissing, type TorchResult } from './torch.js';

const SELF = fileURLToPath(import.meta.url);

/** Sides tried for the UPerNet training step, largest first. */
const UPERNET_SIDES = [512, 448, 384, 320, 256, 224, 192, 160, 128];

interface Row {
  label: string;
  segvit?: CaseResult;
  /** Why segvit has no figure. */
  segvitNote?: string;
  torch?: TorchResult;
}

/** Child mode: `--case ID --repeats R [--side S]`, one JSON line. */
async function child(argv: string[]): Promise<void> {
  const arg = (name: string) => argv[argv.indexOf(name) + 1];
  const id = arg('--case')!;
  const repeats = Number(arg('--repeats'));
  const side = argv.includes('--side') ? Number(arg('--side')) : 0;
  const make = CASES[id];
  if (!make) throw new Error(`unknown case '${id}'; cases: ${Object.keys(CASES).join(', ')}`);
  await initBackend(undefined, { quiet: true });
  const c = make(side, repeats + 2);
  const result = await measure(c, repeats);
  c.dispose();
  console.log(JSON.stringify(result));
}

/** Run one segvit case in a fresh process; undefined when it ran out of memory. */
function runSegvit(id: string, repeats: number, side?: number): CaseResult | undefined {
  process.stderr.write(`bench: segvit ${id}${side ? ` ${side}x${side}` : ''}\n`);
  const args = [SELF, '--case', id, '--repeats', String(repeats), ...(side ? ['--side', String(side)] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    if (/most likely out of memory/.test(r.stderr)) return undefined;
    throw new Error(`segvit case ${id} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as CaseResult;
}

/** The largest of UPERNET_SIDES whose training step fits (fitting is monotone in the side: binary search). */
function largestUpernetSide(repeats: number): { side: number; result: CaseResult } | undefined {
  let best: { side: number; result: CaseResult } | undefined;
  for (let lo = 0, hi = UPERNET_SIDES.length - 1, mid = 0; lo <= hi; mid = (lo + hi) >> 1) {
    const side = UPERNET_SIDES[mid]!; // the first try is the largest side
    const result = runSegvit('upernet_train', repeats, side);
    if (result) {
      best = { side, result };
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  return best;
}

function torchRow(withTorch: boolean, id: string, repeats: number, side?: number): TorchResult | undefined {
  if (!withTorch) return undefined;
  process.stderr.write(`bench: torch ${id}${side ? ` ${side}x${side}` : ''}\n`);
  return runTorch(id, repeats, side);
}

/** The UPerNet training step at 512, else at the largest side that fits next to PyTorch at 512 alone. */
function upernetRows(withTorch: boolean): Row[] {
  const name = (side: number) => `Swin-T + UPerNet + FCN aux, 150 cls: train step (AdamW) 1x3x${side}x${side}`;
  const repeats = 2;
  const fixedSide = Number(process.env.SEGVIT_BENCH_SIDE);
  if (fixedSide) {
    const segvit = runSegvit('upernet_train', repeats, fixedSide);
    const torch = torchRow(withTorch, 'upernet_train', repeats, fixedSide);
    return [{ label: `${name(fixedSide)} (SEGVIT_BENCH_SIDE)`, segvit, segvitNote: 'out of memory', torch }];
  }
  const fit = largestUpernetSide(repeats);
  const largest = UPERNET_SIDES[0]!;
  if (fit?.side === largest) {
    return [{ label: name(largest), segvit: fit.result, torch: torchRow(withTorch, 'upernet_train', repeats, largest) }];
  }
  const rows: Row[] = [{ label: name(largest), segvitNote: 'out of memory', torch: torchRow(withTorch, 'upernet_train', 1, largest) }];
  if (fit) {
    const label = `${name(fit.side)} (the largest of ${UPERNET_SIDES.join(', ')} that fits the heap)`;
    rows.push({ label, segvit: fit.result, torch: torchRow(withTorch, 'upernet_train', repeats, fit.side) });
  }
  return rows;
}

function fixed(value: number | undefined, digits = 0): string {
  return value === undefined ? '–' : value.toFixed(digits);
}

function table(rows: Row[]): string {
  const lines = ['| case | segvit ms | torch ms | ratio | segvit peak MB | torch peak MB |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const torch = r.torch?.skipped ? undefined : r.torch;
    const ratio = r.segvit && torch ? (r.segvit.ms / torch.ms).toFixed(2) : '–';
    const segvitMs = r.segvit ? fixed(r.segvit.ms) : (r.segvitNote ?? '–');
    lines.push(
      `| ${r.label} | ${segvitMs} | ${fixed(torch?.ms)} | ${ratio} | ${fixed(r.segvit?.peakMB)} | ${fixed(torch?.peak_mb)} |`,
    );
  }
  return lines.join('\n');
}

function notes(rows: Row[], missing: string | undefined): string[] {
  const measured = rows.find((r) => r.segvit)?.segvit;
  const torch = rows.find((r) => r.torch && !r.torch.skipped)?.torch;
  const out = [
    `segvit on ${measured?.backend ?? '?'}; ms = median of the repeats after a warm-up; ratio = segvit ms / torch ms.`,
    'segvit peak MB: on wasm the heap size at the end of the case (it only grows, so the case\'s peak: weights, ' +
      'activations, gradients, optimizer state, allocator free space); elsewhere tf.profile\'s peak tensor bytes.',
    missing
      ? `PyTorch skipped: ${missing}. Install Debian's python3-torch for the torch columns.`
      : `torch ${torch?.torch} with ${torch?.threads} threads; torch peak MB: growth of the process's peak RSS ` +
        '(ru_maxrss) over the case, the interpreter and libraries excluded.',
  ];
  for (const r of rows.filter((row) => row.torch?.skipped)) out.push(`PyTorch skipped for "${r.label}": ${r.torch!.skipped}.`);
  const leaks = rows.filter((r) => r.segvit && r.segvit.leaked !== 0);
  out.push(
    leaks.length === 0
      ? 'tensor-leak check: every segvit case ended with as many tensors as it started with.'
      : `tensor-leak check FAILED: ${leaks.map((r) => `${r.label} leaked ${r.segvit!.leaked}`).join('; ')}`,
  );
  return out;
}

async function main(): Promise<void> {
  const missing = torchMissing();
  const withTorch = missing === undefined;
  const plain: [string, string, number][] = [
    ['conv_wgrad', 'conv3x3 64->64 weight gradient, 2x64x64x64', 5],
    ['swin_fwd_224', 'Swin-T backbone forward 1x3x224x224', 5],
    ['swin_fwd_512', 'Swin-T backbone forward 1x3x512x512', 3],
    ['swin_train_224', 'Swin-T backbone forward+backward 2x3x224x224 (loss: sum of outputs)', 3],
    ['dformer_volume', 'D-Former (Synapse config): one volume 1x1x96x256x256, 18 sliding windows 64x128x128', 1],
    ['dformer_demo_train', 'D-Former brain demo (embed 24, 2.3M params): train step (AdamW) 2x1x32x64x32', 5],
  ];
  const rows: Row[] = plain.map(([id, label, repeats]) => ({
    label,
    segvit: runSegvit(id, repeats),
    torch: torchRow(withTorch, id, repeats),
  }));
  rows.push(...upernetRows(withTorch));
  for (const side of [128, 64]) {
    const label = `D-Former (Synapse config, 50.6M params): train step (SGD) 1x1x${side / 2}x${side}x${side}, CE + Dice on 3 DS outputs`;
    rows.push({ label, segvit: runSegvit('dformer_train', 1, side), segvitNote: 'out of memory', torch: torchRow(withTorch, 'dformer_train', 1, side) });
  }
  console.log(table(rows));
  for (const line of notes(rows, missing)) console.log(`\n${line}`);
  if (rows.some((r) => r.segvit && r.segvit.leaked !== 0)) process.exitCode = 1;
}

const run = process.argv.includes('--case') ? child(process.argv.slice(2)) : main();
run.catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
