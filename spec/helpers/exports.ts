/** A tiny digits or depth model trained for 4 iterations and exported through the command line, as a user does. */
import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FOUR_ITERATIONS, runSegvit } from './cli.js';
import { tinyDepthOptions } from './tiny-depth.js';
import { tinyDigitsOptions } from './tiny-digits.js';

const CONFIGS = {
  digits: fileURLToPath(new URL('../../../configs/demo/digits_swin-nano_upernet.json', import.meta.url)),
  depth: fileURLToPath(new URL('../../../configs/demo/synthetic-depth_dpt-tiny.json', import.meta.url)),
};

export interface TrainedExport {
  /** The work dir: config.json (the config as trained) and checkpoints. */
  workDir: string;
  /** The export folder. */
  exportDir: string;
  /** The checkpoint's model.safetensors. */
  checkpoint: string;
}

/** Train the `kind` demo shrunk in `cwd`, then `segvit export` its work dir's config.json and latest checkpoint. */
export function trainAndExport(cwd: string, kind: keyof typeof CONFIGS): TrainedExport {
  const dataRoot = join(cwd, `data-${kind}`);
  const shrink = kind === 'digits' ? tinyDigitsOptions(dataRoot) : tinyDepthOptions(dataRoot, 8, 4);
  const workDir = join(cwd, 'work_dirs', kind);
  const trained = runSegvit(cwd, 'train', CONFIGS[kind], '--work-dir', workDir, '--cfg-options', ...shrink, ...FOUR_ITERATIONS);
  expect(trained.code, trained.stderr).to.equal(0);
  const exportDir = join(cwd, `export-${kind}`);
  const exported = runSegvit(cwd, 'export', join(workDir, 'config.json'), workDir, '--out', exportDir);
  expect(exported.code, exported.stderr).to.equal(0);
  return { workDir, exportDir, checkpoint: join(workDir, 'iter_4', 'model.safetensors') };
}
