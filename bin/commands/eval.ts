import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { registries } from '../../lib/registry.js';
import '../../lib/components.js';
import { DataLoader } from '../../datasets/loader.js';
import { MS_FLIP_AUG } from '../../lib/engine/inference.js';
import { taskOf } from '../../lib/engine/tasks/index.js';
import { resolveWeights } from '../../lib/engine/work-dirs.js';
import { formatLoadReport } from '../../lib/weights/node.js';
import { backendChoice } from './train.js';
import { cfgOptions } from './options.js';
import { buildForWeights, loadCommandWeights, nonStrictOption, strictLoadingHelp } from './weights.js';


interface EvalFlags {
  augTest?: boolean;
  out?: string;
  cfgOptions?: string[];
  nonStrict?: boolean;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'evaluate a checkpoint on the test (else val) dataset: mIoU, mAcc, aAcc and a per-class table; with DiceHD95Metric ' +
        'Dice and HD95 per case and per organ on whole volumes, with BinarySegMetric lesion Dice, IoU, sensitivity, ' +
        "specificity and accuracy; for depth models AbsRel, SqRel, RMSE, RMSElog, log10, SILog and d1-d3 (the dataset's " +
        'crop and depth range unless the evaluator sets them)',
    )
    .argument('<config>', 'a JSON config file')
    .argument('<checkpoint>', 'weights file, checkpoint directory (iter_N) or work dir (its latest checkpoint)')
    .option('--aug-test', `multi-scale (${MS_FLIP_AUG.scales!.join(', ')}) + flip test-time augmentation (depth models: flip)`)
    .option('--out <file>', 'where to write the results as JSON (default: eval.json next to the weights)')
    .addOption(cfgOptions)
    .addOption(nonStrictOption)
    .addHelpText(
      'after',
      '\nExample:\n  $ segvit eval configs/demo/digits_swin-nano_upernet.json work_dirs/digits_swin-nano_upernet' +
        '\n  $ segvit eval configs/demo/synthetic-depth_dpt-tiny.json work_dirs/synthetic-depth_dpt-tiny' +
        '\n  $ segvit eval configs/hiformer/hiformer-s_synapse.json hiformer-s.pth     # Dice / HD95 per organ\n' +
        strictLoadingHelp('eval configs/ade20k.json upernet_swin_no_aux_head.pth'),
    )
    .action(async (file: string, checkpoint: string, flags: EvalFlags) => {
      const cfg = validateConfig(loadConfig(file, { cfgOptions: flags.cfgOptions }));
      const loaderCfg = cfg.test_dataloader ?? cfg.val_dataloader;
      if (!loaderCfg) throw new Error(`${file}: no test_dataloader or val_dataloader to evaluate on`);
      const weights = resolveWeights(checkpoint);
      await initBackend(backendChoice(program.opts().backend, cfg));
      const task = taskOf(buildForWeights(() => registries.segmentor.build(cfg.model!, 'model'), flags.nonStrict));
      const evaluatorPath = cfg.test_evaluator ? 'test_evaluator' : 'val_evaluator';
      const evaluator = task.evaluator(cfg.test_evaluator ?? cfg.val_evaluator, evaluatorPath);
      const report = loadCommandWeights(task.model, weights, flags.nonStrict);
      process.stderr.write(`${weights}: ${formatLoadReport(report)}\n`);
      const loader = await DataLoader.create({ datasetConfig: loaderCfg.dataset, batchSize: 1, numWorkers: loaderCfg.num_workers });
      let shown = 0;
      const { report: text, result } = await evaluator.evaluate(loader, {
        aug: flags.augTest ? task.testAug : undefined,
        progress: (done, total) => {
          if (done === total || done - shown >= Math.max(1, Math.ceil(total / 20))) {
            process.stderr.write(`eval ${done}/${total}\n`);
            shown = done;
          }
        },
        windows: (done, total) => process.stderr.write(`\rwindow ${done}/${total}${done === total ? '\n' : ''}`),
      });
      await loader.close();
      console.log(text);
      const out = flags.out ?? join(dirname(weights), 'eval.json');
      writeFileSync(out, `${JSON.stringify({ config: file, weights, augTest: Boolean(flags.augTest), ...result }, null, 2)}\n`);
      console.log(`results: ${out}`);
    });
}
