import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import '../../lib/components.js';
import type { KernelTime } from '../../lib/engine/kernel-times.js';
import { profileTraining, type ProfileResult } from '../../lib/engine/profile.js';
import { backendChoice } from './train.js';
import { cfgOptions } from './options.js';

/** Kernels listed in the table. */
const TOP_KERNELS = 15;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer`);
  return n;
}

function kernelTable(kernels: KernelTime[], stepsMs: number): string {
  const width = Math.max(6, ...kernels.slice(0, TOP_KERNELS).map((k) => k.name.length));
  const lines = [
    'top kernels of the profiled step (own time: a kernel composed of others does not count them)',
    `${'kernel'.padEnd(width)}  ${'total ms'.padStart(10)}  ${'count'.padStart(7)}  ${'% of step'.padStart(9)}`,
  ];
  for (const k of kernels.slice(0, TOP_KERNELS)) {
    const share = (100 * k.ms) / stepsMs;
    lines.push(`${k.name.padEnd(width)}  ${k.ms.toFixed(1).padStart(10)}  ${String(k.count).padStart(7)}  ${share.toFixed(1).padStart(9)}`);
  }
  const inKernels = kernels.reduce((sum, k) => sum + k.ms, 0);
  lines.push(
    `all ${kernels.length} kernels: ${inKernels.toFixed(0)} ms of ${stepsMs.toFixed(0)} ms (${((100 * inKernels) / stepsMs).toFixed(0)}%); ` +
      'the rest is JavaScript between kernels and tf.profile\'s own work',
  );
  return lines.join('\n');
}

function stepName(step: number, iters: number): string {
  if (step === 0) return 'warm-up';
  if (step <= iters) return `step ${step}/${iters}`;
  return 'profiled step (tf.profile times every kernel, which slows it; not in s_per_iter)';
}

/** The last line: one JSON object for scripts. */
function summary(r: ProfileResult, backend: string): string {
  const mb = (v: number | undefined) => (v === undefined ? null : Math.round(v * 10) / 10);
  const perIter = Number(r.secondsPerIter.toPrecision(4));
  return JSON.stringify({
    peak_mb: mb(r.peakMB), live_peak_mb: mb(r.livePeakMB), s_per_iter: perIter, backend, iters: r.iters, batch: r.batch, crop: r.crop,
  });
}

export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description(
      "time real training steps of a config's model (forward, backward, optimizer update) on random data of its " +
        'training batch, and list the kernels that take the time; the last line is JSON (peak_mb, s_per_iter, ...)',
    )
    .argument('<config>', 'a training config (model, optim_wrapper, train_dataloader)')
    .option('--iters <n>', 'timed training steps, after one warm-up step (then one more step runs under tf.profile)', positiveInt, 5)
    .addOption(cfgOptions)
    .addHelpText(
      'after',
      `
Example:
  $ segvit profile configs/demo/digits_swin-nano_upernet.json --iters 5
  $ segvit --backend cpu profile configs/demo/synthetic-depth_dpt-tiny.json --iters 2

The batch is train_dataloader.batch_size images of the train pipeline's RandomCrop crop_size (else
model.data_preprocessor.size, else the dataset's img_size), random pixels and random labels (depth models:
random depths), run through model.data_preprocessor as in training. peak_mb is the wasm heap size on wasm (it
only grows, so it is the process's peak), else the peak of tensor bytes seen by tf.profile. live_peak_mb (wasm
only, else null) is the peak of the tensor bytes the timed steps held on the heap, free blocks not counted.
Compare memory-saving options with it (e.g. --cfg-options model.train_cfg.local_learning.num_modules=4).`,
    )
    .action(async (file: string, opts: { iters: number; cfgOptions?: string[] }) => {
      const cfg = validateConfig(loadConfig(file, { cfgOptions: opts.cfgOptions }));
      if (!cfg.model) throw new Error(`${file}: no model to profile; give a training config, e.g. configs/demo/digits_swin-nano_upernet.json`);
      if (!cfg.optim_wrapper) throw new Error(`${file}: no optim_wrapper; profile runs the config's optimizer, so give a training config`);
      if (!cfg.train_dataloader) throw new Error(`${file}: no train_dataloader; profile takes the batch size and crop from it`);
      const backend = await initBackend(backendChoice(program.opts().backend, cfg));
      console.log(`profiling ${file} (${cfg.model.type}) on ${backend}: ${opts.iters} training steps after 1 warm-up`);
      const result = await profileTraining(cfg, {
        iters: opts.iters,
        onStep: ({ step, seconds, loss }) => console.log(`${stepName(step, opts.iters)}: ${seconds.toFixed(3)} s, loss ${loss.toFixed(4)}`),
      });
      console.log(`batch ${result.batch} of ${result.crop.join('x')} (from ${result.cropFrom}), ${(result.parameters / 1e6).toFixed(2)}M trainable parameters`);
      console.log(kernelTable(result.kernels, result.profiledSeconds * 1000));
      console.log(summary(result, backend));
    });
}
