import type { Command } from 'commander';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { registries } from '../../lib/registry.js';
import '../../lib/components.js';
import { BaseSegDataset } from '../../datasets/base.js';
import { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { imageTransforms, predictFile } from '../../lib/engine/predict.js';
import { MS_FLIP_AUG } from '../../lib/engine/inference.js';
import { latestWorkDir, resolveWeights } from '../../lib/engine/work-dirs.js';
import { formatLoadReport, loadWeights } from '../../lib/weights/index.js';
import { colorize, labelsPresent, legend, overlay } from '../../lib/viz/masks.js';
import { writeLabelPng, writePng } from '../../lib/viz/png.js';
import { backendChoice } from './train.js';
import { cfgOptions } from './options.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.webp', '.tif', '.tiff']);

/** The image files named: files as they are, folders by their images (sorted). */
function imageFiles(inputs: string[]): string[] {
  return inputs.flatMap((input) => {
    if (!existsSync(input)) throw new Error(`${input}: no such image or folder`);
    if (!statSync(input).isDirectory()) return [input];
    const found = readdirSync(input)
      .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
      .sort()
      .map((f) => join(input, f));
    if (found.length === 0) throw new Error(`${input}: no images (${[...IMAGE_EXTENSIONS].join(', ')}) in this folder`);
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

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('segment images: label PNG (class ids), colour mask, overlay and legend for each')
    .argument('<images...>', 'image files and/or folders of images')
    .option('--config <file>', 'model config (default: config.json of the most recent work dir)')
    .option('--checkpoint <path>', 'weights, checkpoint dir or work dir (default: latest checkpoint of the most recent work dir)')
    .option('--out <dir>', 'output folder', 'predictions')
    .option('--opacity <a>', 'mask opacity in the overlay, 0..1', '0.5')
    .option('--aug-test', 'multi-scale + flip test-time augmentation')
    .addOption(cfgOptions)
    .addHelpText('after', '\nExample:\n  $ segvit predict data/digits/img_dir/val/00000.png\n  $ segvit predict photos/ --config configs/ade20k.json --checkpoint upernet_swin_tiny.pth --opacity 0.6')
    .action(async (inputs: string[], flags: PredictFlags) => {
      const opacity = Number(flags.opacity);
      if (!(opacity >= 0 && opacity <= 1)) throw new Error(`--opacity ${flags.opacity}: must be a number in [0, 1]`);
      const files = imageFiles(inputs);
      const { config, weights } = resolveModel(flags);
      const cfg = validateConfig(loadConfig(config, { cfgOptions: flags.cfgOptions }));
      const datasetCfg = (cfg.test_dataloader ?? cfg.val_dataloader)?.dataset;
      if (!datasetCfg) throw new Error(`${config}: no test_dataloader or val_dataloader: predict needs its pipeline and classes`);
      await initBackend(backendChoice(program.opts().backend, cfg));
      const model = registries.segmentor.build(cfg.model!, 'model');
      if (!(model instanceof EncoderDecoder)) throw new Error(`model.type ${cfg.model!.type} is not a segmentation model`);
      model.eval();
      process.stderr.write(`${weights}: ${formatLoadReport(loadWeights(model, weights))}\n`);
      const dataset = registries.dataset.build(datasetCfg, 'test_dataloader.dataset');
      if (!(dataset instanceof BaseSegDataset)) throw new Error(`${datasetCfg.type} is not a segmentation dataset`);
      const transforms = imageTransforms(dataset.pipeline);
      const { classes, palette } = dataset.meta;
      const aug = flags.augTest ? MS_FLIP_AUG : undefined;
      for (const [i, file] of files.entries()) {
        const { image, label } = await predictFile(model, transforms, dataset.meta, file, aug);
        const name = join(flags.out, basename(file, extname(file)));
        const colored = colorize(label, palette);
        await writeLabelPng(`${name}_label.png`, label);
        await writePng(`${name}_mask.png`, colored);
        await writePng(`${name}_overlay.png`, overlay(image, colored, opacity));
        const present = labelsPresent(label);
        await writePng(`${name}_legend.png`, await legend(classes, palette, present));
        console.log(`${i + 1}/${files.length} ${file}: ${present.map((c) => classes[c]).join(', ')} -> ${name}_{label,mask,overlay,legend}.png`);
      }
      writeFileSync(join(flags.out, 'classes.json'), `${JSON.stringify({ classes, palette }, null, 1)}\n`);
    });
}
