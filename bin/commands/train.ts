import type { Command } from 'commander';
import { basename, join } from 'node:path';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import type { SegvitConfig } from '../../lib/config/types.js';
import '../../lib/components.js';
import { formatMetric } from '../../lib/engine/logger.js';
import { train } from '../../lib/engine/trainer.js';
import { cfgOptions } from './options.js';

/** mmseg's default: work_dirs/<config name>. */
export function defaultWorkDir(configFile: string): string {
  return join('work_dirs', basename(configFile).replace(/\.json$/, ''));
}

/** --backend, else the config's `backend`, else SEGVIT_BACKEND, else auto. */
export function backendChoice(flag: string | undefined, cfg: SegvitConfig): string | undefined {
  return flag ?? cfg.backend ?? process.env.SEGVIT_BACKEND;
}

interface TrainFlags {
  workDir?: string;
  resume?: string | true;
  loadFrom?: string;
  cfgOptions?: string[];
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train the model of a config (iteration-based, with validation and resumable checkpoints)')
    .argument('<config>', 'a JSON config file')
    .option('--work-dir <dir>', 'where logs, plots and checkpoints go (default: work_dir of the config, else work_dirs/<config name>)')
    .option('--resume [checkpoint]', 'continue from a checkpoint directory, or from the work dir\'s latest when none is given')
    .option('--load-from <weights>', 'initialise the model from a checkpoint (.pth, .safetensors or a checkpoint directory\'s model.safetensors)')
    .addOption(cfgOptions)
    .addHelpText(
      'after',
      `
Example:
  $ segvit train configs/demo/digits_swin-stage1_fcn.json
  $ segvit train configs/demo/digits_swin-stage1_fcn.json --resume        # after Ctrl-C
  $ segvit train configs/ade20k.json --cfg-options train_dataloader.batch_size=4 --work-dir work_dirs/ade`,
    )
    .action(async (file: string, flags: TrainFlags) => {
      const cfg = validateConfig(loadConfig(file, { cfgOptions: flags.cfgOptions }));
      await initBackend(backendChoice(program.opts().backend, cfg));
      const workDir = flags.workDir ?? cfg.work_dir ?? defaultWorkDir(file);
      const resume = flags.resume ?? (cfg.resume ? true : undefined);
      const result = await train(cfg, { workDir, resume, loadFrom: flags.loadFrom });
      const minutes = (result.seconds / 60).toFixed(1);
      const value = result.best && formatMetric(result.best.value);
      const best = result.best ? `best ${result.best.metric} ${value} at iteration ${result.best.iteration}` : 'no validation';
      console.log(`${result.interrupted ? 'stopped' : 'finished'} at iteration ${result.iterations} in ${minutes} min; ${best}`);
      console.log(`work dir: ${workDir} (log.jsonl, loss.png, val.png, checkpoints iter_*/, latest, best)`);
      if (result.interrupted) process.exitCode = 130;
    });
}
