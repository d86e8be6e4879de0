import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import type { ComponentConfig } from '../../lib/config/types.js';
import { registries } from '../../lib/registry.js';
import '../../lib/components.js';
import { DataLoader } from '../../datasets/loader.js';
import { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { IoUMetric } from '../../lib/metrics/iou-metric.js';
import { evaluateSegmentation } from '../../lib/engine/evaluate.js';
import { MS_FLIP_AUG } from '../../lib/engine/inference.js';
import { formatIoU } from '../../lib/engine/report.js';
import { resolveWeights } from '../../lib/engine/work-dirs.js';
import { formatLoadReport, loadWeights } from '../../lib/weights/index.js';
import { backendChoice } from './train.js';
import { cfgOptions } from './options.js';


interface EvalFlags {
  augTest?: boolean;
  out?: string;
  cfgOptions?: string[];
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a checkpoint on the test (else val) dataset: mIoU, mAcc, aAcc and a per-class table')
    .argument('<config>', 'a JSON config file')
    .argument('<checkpoint>', 'weights file, checkpoint directory (iter_N) or work dir (its latest checkpoint)')
    .option('--aug-test', `multi-scale (${MS_FLIP_AUG.scales!.join(', ')}) + flip test-time augmentation`)
    .option('--out <file>', 'where to write the results as JSON (default: eval.json next to the weights)')
    .addOption(cfgOptions)
    .addHelpText('after', '\nExample:\n  $ segvit eval configs/demo/digits_swin-nano_upernet.json work_dirs/digits_swin-nano_upernet')
    .action(async (file: string, checkpoint: string, flags: EvalFlags) => {
      const cfg = validateConfig(loadConfig(file, { cfgOptions: flags.cfgOptions }));
      const loaderCfg = cfg.test_dataloader ?? cfg.val_dataloader;
      if (!loaderCfg) throw new Error(`${file}: no test_dataloader or val_dataloader to evaluate on`);
      const weights = resolveWeights(checkpoint);
      await initBackend(backendChoice(program.opts().backend, cfg));
      const model = registries.segmentor.build(cfg.model!, 'model');
      if (!(model instanceof EncoderDecoder)) throw new Error(`model.type ${cfg.model!.type} is not a segmentation model`);
      const report = loadWeights(model, weights);
      process.stderr.write(`${weights}: ${formatLoadReport(report)}\n`);
      const evaluator = cfg.test_evaluator ?? cfg.val_evaluator ?? ({ type: 'IoUMetric' } as ComponentConfig);
      const metric = registries.metric.build(evaluator, cfg.test_evaluator ? 'test_evaluator' : 'val_evaluator');
      if (!(metric instanceof IoUMetric)) throw new Error(`${evaluator.type} is not a segmentation metric`);
      const loader = await DataLoader.create({ datasetConfig: loaderCfg.dataset, batchSize: 1, numWorkers: loaderCfg.num_workers });
      let shown = 0;
      const result = await evaluateSegmentation(model, loader, metric, {
        aug: flags.augTest ? MS_FLIP_AUG : undefined,
        progress: (done, total) => {
          if (done === total || done - shown >= Math.max(1, Math.ceil(total / 20))) {
            process.stderr.write(`eval ${done}/${total}\n`);
            shown = done;
          }
        },
      });
      await loader.close();
      console.log(formatIoU(result));
      const out = flags.out ?? join(dirname(weights), 'eval.json');
      writeFileSync(out, `${JSON.stringify({ config: file, weights, augTest: Boolean(flags.augTest), ...result }, null, 2)}\n`);
      console.log(`results: ${out}`);
    });
}
