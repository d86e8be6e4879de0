import type { Command } from 'commander';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { registries } from '../../lib/registry.js';
import '../../lib/components.js';
import { FileDataset } from '../../datasets/file-dataset.js';
import type { DatasetMeta, DepthMap, Transform } from '../../datasets/types.js';
import { DepthEstimator } from '../../lib/segmentors/depth-estimator.js';
import { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { imageTransforms, predictDepthFile, predictFile } from '../../lib/engine/predict.js';
import { DEPTH_FLIP_AUG } from '../../lib/engine/depth-inference.js';
import { MS_FLIP_AUG } from '../../lib/engine/inference.js';
import { latestWorkDir, resolveWeights } from '../../lib/engine/work-dirs.js';
import { formatLoadReport } from '../../lib/weights/node.js';
import { colorizeDepth } from '../../lib/viz/depth.js';
import { colorize, labelsPresent, legend, overlay } from '../../lib/viz/masks.js';
import { writeDepthPng16, writeLabelPng, writePng } from '../../lib/viz/png.js';
import { backendChoice } from './train.js';
import { cfgOptions } from './options.js';
import { loadCommandWeights, nonStrictOption, strictLoadingHelp } from './weights.js';

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

interface Outputs {
  files: string[];
  out: string;
  transforms: Transform[];
  meta: DatasetMeta;
  augTest?: boolean;
}

/** Label PNG, colour mask, overlay and legend per image, and the classes with their colours. */
async function predictSegmentation(model: EncoderDecoder, o: Outputs, opacity: number): Promise<void> {
  const { classes, palette } = o.meta;
  for (const [i, file] of o.files.entries()) {
    const { image, label } = await predictFile(model, o.transforms, o.meta, file, o.augTest ? MS_FLIP_AUG : undefined);
    const name = join(o.out, basename(file, extname(file)));
    const colored = colorize(label, palette);
    await writeLabelPng(`${name}_label.png`, label);
    await writePng(`${name}_mask.png`, colored);
    await writePng(`${name}_overlay.png`, overlay(image, colored, opacity));
    const present = labelsPresent(label);
    await writePng(`${name}_legend.png`, await legend(classes, palette, present));
    console.log(`${i + 1}/${o.files.length} ${file}: ${present.map((c) => classes[c]).join(', ')} -> ${name}_{label,mask,overlay,legend}.png`);
  }
  writeFileSync(join(o.out, 'classes.json'), `${JSON.stringify({ classes, palette }, null, 1)}\n`);
}

/** The smallest and largest valid (> 0, finite) depth of a map. */
function depthRange({ data }: DepthMap): [number, number] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const d of data) if (d > 0 && Number.isFinite(d)) [lo, hi] = [Math.min(lo, d), Math.max(hi, d)];
  return [lo, hi];
}

/**
 * A 16-bit depth PNG (value = depth · the dataset's depth_scale, 1000 = millimetres as NYU; depths beyond 16 bits
 * are stored as 65535) and a colour-mapped PNG (magma, nearest = dark, over each image's own range) per image.
 */
async function predictDepth(model: DepthEstimator, o: Outputs): Promise<void> {
  const scale = o.meta.depthScale ?? 1000;
  const largest = 65535 / scale;
  for (const [i, file] of o.files.entries()) {
    const { depth } = await predictDepthFile(model, o.transforms, o.meta, file, o.augTest ? DEPTH_FLIP_AUG : undefined);
    const name = join(o.out, basename(file, extname(file)));
    writeDepthPng16(`${name}_depth.png`, { ...depth, data: depth.data.map((d) => Math.min(d, largest)) }, scale);
    writePng(`${name}_depth_color.png`, colorizeDepth(depth));
    const [lo, hi] = depthRange(depth);
    console.log(`${i + 1}/${o.files.length} ${file}: depth ${lo.toFixed(3)}..${hi.toFixed(3)} -> ${name}_{depth,depth_color}.png`);
  }
  writeFileSync(join(o.out, 'depth.json'), `${JSON.stringify({ depth_scale: scale, meaning: 'depth = PNG value / depth_scale' }, null, 1)}\n`);
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(
      'segment images: label PNG (class ids), colour mask, overlay and legend for each; with a depth model a 16-bit depth ' +
        "PNG (depth · the dataset's depth_scale, mm for NYU-style data) and a colour-mapped depth PNG",
    )
    .argument('<images...>', 'image files and/or folders of images')
    .option('--config <file>', 'model config (default: config.json of the most recent work dir)')
    .option('--checkpoint <path>', 'weights, checkpoint dir or work dir (default: latest checkpoint of the most recent work dir)')
    .option('--out <dir>', 'output folder', 'predictions')
    .option('--opacity <a>', 'mask opacity in the overlay, 0..1', '0.5')
    .option('--aug-test', 'multi-scale + flip test-time augmentation')
    .addOption(cfgOptions)
    .addOption(nonStrictOption)
    .addHelpText(
      'after',
      '\nExample:\n  $ segvit predict data/digits/img_dir/val/00000.png' +
        '\n  $ segvit predict photos/ --config configs/ade20k.json --checkpoint upernet_swin_tiny.pth --opacity 0.6\n' +
        strictLoadingHelp('predict photos/ --config configs/ade20k.json --checkpoint upernet_swin_no_aux_head.pth'),
    )
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
      if (!(model instanceof EncoderDecoder || model instanceof DepthEstimator)) {
        throw new Error(`model.type ${cfg.model!.type}: predict runs EncoderDecoder and DepthEstimator models`);
      }
      model.eval();
      process.stderr.write(`${weights}: ${formatLoadReport(loadCommandWeights(model, weights, flags.nonStrict))}\n`);
      const dataset = registries.dataset.build(datasetCfg, 'test_dataloader.dataset');
      if (!(dataset instanceof FileDataset)) throw new Error(`${datasetCfg.type} is not a segmentation dataset`);
      const outputs = { files, out: flags.out, transforms: imageTransforms(dataset.pipeline), meta: dataset.meta, augTest: flags.augTest };
      if (model instanceof DepthEstimator) await predictDepth(model, outputs);
      else await predictSegmentation(model, outputs, opacity);
    });
}
