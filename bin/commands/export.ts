import type { Command } from 'commander';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import type { JsonObject } from '../../lib/config/json.js';
import '../../lib/components.js';
import { buildDataset } from '../../datasets/loader/build.js';
import { MANIFEST_FILE, WEIGHTS_FILE } from '../../lib/export/manifest.js';
import { exportModel } from '../../lib/export/write.js';
import { isLoader } from '../../lib/engine/predict-image.js';
import { resolveWeights } from '../../lib/engine/work-dirs.js';
import { formatLoadReport } from '../../lib/weights/node.js';
import { testDatasetConfig } from './predict.js';
import { backendChoice } from './train.js';
import { cfgOptions } from './options.js';
import { buildForWeights, loadCommandWeights, nonStrictOption, strictLoadingHelp } from './weights.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

interface ExportFlags {
  out: string;
  samples: string;
  cfgOptions?: string[];
  nonStrict?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      `write a trained model as a folder the browser runtime (segvit/browser) and \`segvit serve\` load: ${MANIFEST_FILE} ` +
        '(the model config, task, classes, palette and preprocessing), ' +
        `${WEIGHTS_FILE} (official names) and a few validation images in samples/`,
    )
    .argument('<config>', 'model config (JSON)')
    .argument('<checkpoint>', 'weights (.safetensors, .pth), a checkpoint dir or a work dir (its latest checkpoint)')
    .requiredOption('--out <dir>', 'the folder to write')
    .option('--samples <n>', 'validation images to copy into samples/ for the example page', '4')
    .addOption(cfgOptions)
    .addOption(nonStrictOption)
    .addHelpText(
      'after',
      '\nExample:\n  $ segvit export configs/demo/digits_swin-nano_upernet.json work_dirs/digits_swin-nano_upernet --out web/digits' +
        '\n  $ segvit serve web/digits\n' +
        strictLoadingHelp('export configs/ade20k.json upernet_swin_tiny.pth --out web/ade20k'),
    )
    .action(async (config: string, checkpoint: string, flags: ExportFlags) => {
      const samples = Number(flags.samples);
      if (!Number.isInteger(samples) || samples < 0) throw new Error(`--samples ${flags.samples}: must be a whole number ≥ 0`);
      const cfg = validateConfig(loadConfig(config, { cfgOptions: flags.cfgOptions }));
      const weights = resolveWeights(checkpoint);
      await initBackend(backendChoice(program.opts().backend, cfg));
      const datasetCfg = testDatasetConfig(cfg, config, 'export takes the classes, palette and test pipeline from it');
      const dataset = await buildDataset(datasetCfg, 'test_dataloader.dataset');
      const pipeline = ((datasetCfg.pipeline ?? []) as JsonObject[]).filter((t) => !isLoader(String(t.type)));
      const { manifest, report } = exportModel(
        {
          cfg,
          configPath: config,
          checkpointPath: weights,
          out: flags.out,
          samples,
          version,
          build: (make) => buildForWeights(make, flags.nonStrict),
          load: (m) => loadCommandWeights(m, weights, flags.nonStrict),
        },
        dataset,
        pipeline,
      );
      process.stderr.write(`${weights}: ${formatLoadReport(report)}\n`);
      if (report.unexpected.some((key) => key.startsWith('auxiliary_head.'))) {
        process.stderr.write('the auxiliary head is left out of the export: inference does not run it\n');
      }
      const mb = (manifest.weights.bytes / 2 ** 20).toFixed(1);
      const classes = manifest.task === 'depth' ? '' : ` of ${manifest.classes.length} classes`;
      console.log(`${join(flags.out, MANIFEST_FILE)}: ${manifest.task}${classes}, ${manifest.model.type as string}`);
      console.log(`${join(flags.out, WEIGHTS_FILE)}: ${manifest.weights.tensors} tensors, ${manifest.weights.parameters} parameters, ${mb} MB`);
      console.log(`${manifest.samples.length} validation sample(s) in ${join(flags.out, 'samples')}`);
      console.log(`serve it with the example page: segvit serve ${flags.out}`);
    });
}
