import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import type { ComponentConfig, SegvitConfig } from '../../lib/config/types.js';
import { registries } from '../../lib/registry.js';
import '../../lib/components.js';
import { FileDataset } from '../../datasets/file-dataset.js';
import { buildDataset } from '../../datasets/loader/build.js';
import { imageTransforms } from '../../lib/engine/predict.js';
import { taskOf } from '../../lib/engine/tasks/index.js';
import { latestWorkDir, resolveWeights } from '../../lib/engine/work-dirs.js';
import { formatLoadReport } from '../../lib/weights/node.js';
import { backendChoice } from './train.js';
import { cfgOptions } from './options.js';
import { buildForWeights, loadCommandWeights, nonStrictOption, strictLoadingHelp } from './weights.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.webp', '.tif', '.tiff']);
/** Images, and NIfTI volumes for 3D models. */
const isInput = (f: string) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()) || /\.nii(\.gz)?$/i.test(f);

/** The image (or volume) files named: files as they are, folders by their images and volumes (sorted). */
function imageFiles(inputs: string[]): string[] {
  return inputs.flatMap((input) => {
    if (!existsSync(input)) throw new Error(`${input}: no such image or folder`);
    if (!statSync(input).isDirectory()) return [input];
    const found = readdirSync(input)
      .filter(isInput)
      .sort()
      .map((f) => join(input, f));
    if (found.length === 0) throw new Error(`${input}: no images (${[...IMAGE_EXTENSIONS].join(', ')}) or volumes (.nii, .nii.gz) in this folder`);
    return found;
  });
}

interface PredictFlags {
  config?: string;
  checkpoint?: string;
  out: string;
  opacity: string;
  augTest?: boolean;
  cfgOptions?: string[];
  nonStrict?: boolean;
}

/** The config and weights to use: as given, or the most recent work dir's config and latest checkpoint. */
function resolveModel(flags: PredictFlags): { config: string; weights: string } {
  if (flags.config && flags.checkpoint) return { config: flags.config, weights: resolveWeights(flags.checkpoint) };
  const workDir = latestWorkDir();
  if (!workDir && !(flags.config && flags.checkpoint)) {
    throw new Error('no --config/--checkpoint given and no trained work dir in work_dirs/; train first (segvit train CONFIG)');
  }
  const config = flags.config ?? join(workDir!, 'config.json');
  const weights = resolveWeights(flags.checkpoint ?? workDir!);
  process.stderr.write(`using ${config} and ${weights}\n`);
  return { config, weights };
}

/** The test (else val) dataloader's dataset config: the test pipeline and the classes; `why` says who needs it. */
export function testDatasetConfig(cfg: SegvitConfig, config: string, why: string): ComponentConfig {
  const datasetCfg = (cfg.test_dataloader ?? cfg.val_dataloader)?.dataset;
  if (!datasetCfg) throw new Error(`${config}: no test_dataloader or val_dataloader: ${why}`);
  return datasetCfg;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(
      'segment images: label PNG (class ids), colour mask, overlay and legend for each; with a depth model a 16-bit depth ' +
        "PNG (depth · the dataset's depth_scale, mm for NYU-style data) and a colour-mapped depth PNG; with a 3D model, " +
        'volumes (.nii.gz): a label NIfTI on the source grid and affine, and a montage PNG of axial slices',
    )
    .argument('<images...>', 'image files and/or folders of images (NIfTI volumes for a 3D model)')
    .option('--config <file>', 'model config (default: config.json of the most recent work dir)')
    .option('--checkpoint <path>', 'weights, checkpoint dir or work dir (default: latest checkpoint of the most recent work dir)')
    .option('--out <dir>', 'output folder', 'predictions')
    .option('--opacity <a>', 'mask opacity in the overlay, 0..1', '0.5')
    .option('--aug-test', 'multi-scale + flip test-time augmentation (3D: the 7 mirrored versions of each window)')
    .addOption(cfgOptions)
    .addOption(nonStrictOption)
    .addHelpText(
      'after',
      '\nExample:\n  $ segvit predict data/digits/img_dir/val/00000.png' +
        '\n  $ segvit predict photos/ --config configs/ade20k.json --checkpoint upernet_swin_tiny.pth --opacity 0.6' +
        '\n  $ segvit predict data/brain3d/val/images/right_mirrored.nii.gz --config configs/demo/brain_dformer.json \\\n' +
        '      --checkpoint work_dirs/brain_dformer\n' +
        strictLoadingHelp('predict photos/ --config configs/ade20k.json --checkpoint upernet_swin_no_aux_head.pth'),
    )
    .action(async (inputs: string[], flags: PredictFlags) => {
      const opacity = Number(flags.opacity);
      if (!(opacity >= 0 && opacity <= 1)) throw new Error(`--opacity ${flags.opacity}: must be a number in [0, 1]`);
      const files = imageFiles(inputs);
      const { config, weights } = resolveModel(flags);
      const cfg = validateConfig(loadConfig(config, { cfgOptions: flags.cfgOptions }));
      const datasetCfg = testDatasetConfig(cfg, config, 'predict needs its pipeline and classes');
      await initBackend(backendChoice(program.opts().backend, cfg));
      const task = taskOf(buildForWeights(() => registries.segmentor.build(cfg.model!, 'model'), flags.nonStrict));
      const model = task.model.eval();
      process.stderr.write(`${weights}: ${formatLoadReport(loadCommandWeights(model, weights, flags.nonStrict))}\n`);
      const dataset = await buildDataset(datasetCfg, 'test_dataloader.dataset');
      if (!(dataset instanceof FileDataset)) throw new Error(`${datasetCfg.type} is not a segmentation dataset`);
      const transforms = imageTransforms(dataset.pipeline);
      const aug = flags.augTest ? task.testAug : undefined;
      await task.predictFiles({ files, out: flags.out, transforms, meta: dataset.meta, aug, opacity });
    });
}
