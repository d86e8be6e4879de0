import type { Command } from 'commander';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig, type JsonObject } from '../../lib/config/index.js';
import type { ComponentConfig } from '../../lib/config/types.js';
import { registries } from '../../lib/registry.js';
import '../../lib/components.js';
import { formatLoadReport } from '../../lib/weights/node.js';
import { readNchw, writeTorchLayout } from './tensor-io.js';
import type * as tf from '@tensorflow/tfjs-core';
import { backboneOutputs, imagePart, type Backbone } from '../../lib/segmentors/types.js';
import { cfgOptions } from './options.js';
import { buildForWeights, loadCommandWeights, nonStrictOption, strictLoadingHelp } from './weights.js';

/** model.backbone of a full config (validated whole) or of a config holding only the backbone. */
function backboneConfig(file: string, overrides?: string[]): ComponentConfig {
  const cfg = loadConfig(file, { cfgOptions: overrides });
  const model = cfg.model as JsonObject | undefined;
  const backbone = model?.backbone as ComponentConfig | undefined;
  if (!backbone) throw new Error(`${file}: no model.backbone to build`);
  if (model?.type !== undefined) validateConfig(cfg);
  return backbone;
}

export function registerFeatures(program: Command): void {
  program
    .command('features')
    .description("run model.backbone on a float32 NCHW tensor 'input' and write its outputs out0..outN (NCHW), plus sem0..semN for SeMask")
    .argument('<config>', 'a full config, or one holding only model.backbone')
    .requiredOption('--weights <file>', 'checkpoint (.pth or .safetensors; official or mmseg key names, or a segmentor\'s)')
    .requiredOption('--input <file>', "safetensors file with a float32 NCHW tensor named 'input'")
    .requiredOption('--out <file>', 'safetensors file to write out0..outN to')
    .addOption(cfgOptions)
    .addOption(nonStrictOption)
    .addHelpText(
      'after',
      `
Example:
  $ segvit features configs/_base_/models/upernet_swin.json --weights swin_tiny_patch4_window7_224.pth \\
      --input x.safetensors --out features.safetensors
${strictLoadingHelp('features swin_s.json --weights swin_t.pth --input x.safetensors --out f.safetensors')}`,
    )
    .action(async (file: string, opts: { weights: string; input: string; out: string; cfgOptions?: string[]; nonStrict?: boolean }) => {
      const backboneCfg = backboneConfig(file, opts.cfgOptions);
      await initBackend(program.opts().backend);
      const built = buildForWeights(() => registries.backbone.build(backboneCfg, 'model.backbone'), opts.nonStrict);
      const backbone = imagePart<Backbone>(built, 'model.backbone', 'segvit features').eval();
      const report = loadCommandWeights(backbone, opts.weights, opts.nonStrict);
      console.log(`${opts.weights}: ${formatLoadReport(report)}`);
      if (report.loaded.length === 0) throw new Error(`${opts.weights}: no tensor matches model.backbone (${backboneCfg.type})`);
      const input = readNchw(opts.input, 'input');
      // backbones with extra outputs (SeMask's prior maps) write them too, as sem0..semN
      const { outs: outputs, priors } = backboneOutputs(backbone, input);
      writeTorchLayout(opts.out, [...outputs.map((t, i) => [`out${i}`, t] as [string, tf.Tensor4D]), ...priors.map((t, i) => [`sem${i}`, t] as [string, tf.Tensor4D])]);
      for (const [i, t] of priors.entries()) console.log(`sem${i}: [${[t.shape[0], t.shape[3], t.shape[1], t.shape[2]]}]`);
      for (const [i, t] of outputs.entries()) console.log(`out${i}: [${[t.shape[0], t.shape[3], t.shape[1], t.shape[2]]}]`);
      console.log(`wrote ${opts.out}`);
    });
}
