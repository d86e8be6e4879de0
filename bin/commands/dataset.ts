import type { Command } from 'commander';
import { loadConfig, validateConfig, type SegvitConfig } from '../../lib/config/index.js';
import type { ComponentConfig } from '../../lib/config/types.js';
import '../../lib/components.js';
import '../../datasets/index.js';
import { inspectDataset, inspectOptions, type DatasetReport } from '../../datasets/inspect.js';
import { buildDataset } from '../../datasets/loader/build.js';
import type { Dataset, DatasetMeta } from '../../datasets/types.js';
import { cfgOptions } from './options.js';

const LOADERS = ['train_dataloader', 'val_dataloader', 'test_dataloader'] as const;

/** Datasets this long or longer show their progress on stderr. */
const PROGRESS_FROM = 200;

/** A progress callback: an updated line on a terminal, a line per 10% otherwise. */
function progress(label: string, total: number): ((done: number) => void) | undefined {
  if (total < PROGRESS_FROM) return undefined;
  const tty = process.stderr.isTTY;
  const step = Math.ceil(total / 10);
  return (done) => {
    if (tty) process.stderr.write(`\r${label}: ${done}/${total}${done === total ? '\n' : ''}`);
    else if (done % step === 0 || done === total) process.stderr.write(`${label}: ${done}/${total}\n`);
  };
}

const percent = (part: number, whole: number): string => `${whole > 0 ? ((100 * part) / whole).toFixed(2) : '0.00'}%`;

/** The class frequency table and ignore share of a segmentation report. */
function segmentationLines(report: DatasetReport, meta: DatasetMeta): string[] {
  const labelled = report.classPixels.reduce((a, b) => a + b, 0);
  const all = labelled + report.ignoredPixels + report.invalidPixels;
  const width = Math.max(...meta.classes.map((name) => name.length));
  const idWidth = String(meta.classes.length - 1).length;
  return [
    `  class pixel frequencies (% of ${labelled} labelled pixels):`,
    ...meta.classes.map((name, id) => {
      const share = percent(report.classPixels[id]!, labelled).padStart(7);
      return `    ${String(id).padStart(idWidth)}  ${name.padEnd(width)}  ${share}`;
    }),
    `  ignore_index ${meta.ignoreIndex}: ${percent(report.ignoredPixels, all)} of all pixels`,
  ];
}

function depthLines(report: DatasetReport, meta: DatasetMeta): string[] {
  const d = report.depth!;
  const range = d.validPixels > 0 ? `${d.min.toFixed(3)}..${d.max.toFixed(3)} m` : 'no measurement';
  return [
    `  depth: ${percent(d.validPixels, d.validPixels + d.invalidPixels)} of pixels measured, ${range}, ` +
      `${d.beyondMax} beyond max_depth ${meta.maxDepth} m`,
  ];
}

function printReport(path: string, type: string, dataset: Dataset, report: DatasetReport): void {
  console.log(`${path} (${type}): ${report.samples} samples, ${report.annotated} annotations read`);
  if (report.annotated > 0) {
    const lines = report.task === 'depth' ? depthLines(report, dataset.meta) : segmentationLines(report, dataset.meta);
    for (const line of lines) console.log(line);
  }
  console.log(report.problems.length === 0 ? '  no problem found' : `  ${report.problems.length} problem(s):`);
  for (const problem of report.problems) console.log(`    ${problem}`);
}

/** Build, inspect and print the dataset of `cfg`; the number of problems found. */
async function checkDataset(path: string, cfg: ComponentConfig): Promise<number> {
  let dataset: Dataset;
  try {
    dataset = await buildDataset(cfg, path);
  } catch (err) {
    console.log(`${path} (${cfg.type}): cannot be listed\n  1 problem(s):\n    ${(err as Error).message}`);
    return 1;
  }
  const onProgress = progress(path, dataset.length);
  const report = await inspectDataset(dataset, { ...inspectOptions(cfg), ...(onProgress ? { onProgress } : {}) });
  printReport(path, cfg.type, dataset, report);
  return report.problems.length;
}

/** Check every dataloader's dataset of `config` (one dataset config shared by two loaders is read once). */
async function checkConfig(config: SegvitConfig): Promise<number> {
  const seen = new Map<string, string>();
  let problems = 0;
  for (const loader of LOADERS) {
    const cfg = config[loader]?.dataset;
    if (cfg === undefined) continue;
    const path = `${loader}.dataset`;
    const key = JSON.stringify(cfg);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      console.log(`${path}: same as ${earlier}`);
      continue;
    }
    seen.set(key, path);
    problems += await checkDataset(path, cfg);
  }
  if (seen.size === 0) throw new Error('the config has no train_dataloader, val_dataloader or test_dataloader');
  return problems;
}

export function registerDataset(program: Command): void {
  program
    .command('dataset')
    .description(
      'check the datasets of a config: sample counts, class pixel frequencies (or depth range) and every problem ' +
        '(unreadable image, missing annotation, label values that are not class ids); exit code 1 if any',
    )
    .argument('<config>', 'a JSON config file with train_dataloader / val_dataloader / test_dataloader')
    .addOption(cfgOptions)
    .addHelpText(
      'after',
      '\nExample:\n  $ segvit dataset configs/ade20k.json --cfg-options train_dataloader.dataset.data_root=data/ade',
    )
    .action(async (file: string, opts: { cfgOptions?: string[] }) => {
      const config = validateConfig(loadConfig(file, { cfgOptions: opts.cfgOptions }));
      const problems = await checkConfig(config);
      if (problems > 0) {
        process.stderr.write(`segvit: ${problems} problem(s) found in the datasets of ${file}\n`);
        process.exitCode = 1;
      }
    });
}
