import type { Command } from 'commander';
import { initBackend } from '../../lib/backend.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { registries } from '../../lib/registry.js';
import '../../lib/components.js';
import { taskOf } from '../../lib/engine/tasks/index.js';
import { formatLoadReport } from '../../lib/weights/node.js';
import type { ModelInput } from '../../lib/segmentors/types.js';
import { readChannelsFirst, writeTorchLayout } from './tensor-io.js';
import { backendChoice } from './train.js';
import { cfgOptions } from './options.js';
import { buildForWeights, loadCommandWeights, nonStrictOption, strictLoadingHelp } from './weights.js';

export function registerForward(program: Command): void {
  program
    .command('forward')
    .description(
      "run the whole model in test mode on a float32 NCHW tensor 'input' (the network input, already normalised) and write " +
        "'output': NCHW logits of a segmentor (test_cfg applied), [B, H, W] depth of a depth estimator; a 3D segmentor " +
        'takes NCDHW volumes and writes NCDHW logits of the whole volume in one pass',
    )
    .argument('<config>', 'a config with model (EncoderDecoder, DepthEstimator or EncoderDecoder3D)')
    .requiredOption('--weights <file>', 'checkpoint (.pth, .pt or .safetensors; official key names, e.g. an official DPT .pt)')
    .requiredOption('--input <file>', "safetensors file with a float32 NCHW (3D: NCDHW) tensor named 'input'")
    .requiredOption('--out <file>', "safetensors file to write 'output' to")
    .addOption(cfgOptions)
    .addOption(nonStrictOption)
    .addHelpText(
      'after',
      `
Example:
  $ segvit forward configs/dpt/dpt_large_midas.json --weights dpt_large-midas-2f21e586.pt \\
      --input x.safetensors --out depth.safetensors
  $ segvit forward configs/dformer/dformer_synapse_64x128x128.json --weights segnetwork.pth \\
      --input ct_ncdhw.safetensors --out logits.safetensors
${strictLoadingHelp('forward upernet.json --weights no_aux_head.pth --input x.safetensors --out y.safetensors')}`,
    )
    .action(async (file: string, opts: { weights: string; input: string; out: string; cfgOptions?: string[]; nonStrict?: boolean }) => {
      const cfg = validateConfig(loadConfig(file, { cfgOptions: opts.cfgOptions }));
      const modelCfg = cfg.model;
      if (!modelCfg) throw new Error(`${file}: no model to build`);
      await initBackend(backendChoice(program.opts().backend, cfg));
      const model = taskOf(buildForWeights(() => registries.segmentor.build(modelCfg, 'model'), opts.nonStrict)).model.eval();
      const report = loadCommandWeights(model, opts.weights, opts.nonStrict);
      console.log(`${opts.weights}: ${formatLoadReport(report)}`);
      if (report.loaded.length === 0) throw new Error(`${opts.weights}: no tensor matches the model (${modelCfg.type})`);
      const volumes = model.task === 'segmentation3d';
      const input = readChannelsFirst(opts.input, 'input', volumes ? 5 : 4) as ModelInput;
      const output = model.predict(input);
      writeTorchLayout(opts.out, [['output', output]]);
      const shape = output.rank >= 4 ? [output.shape[0], output.shape.at(-1), ...output.shape.slice(1, -1)] : output.shape;
      console.log(`output: [${shape}]\nwrote ${opts.out}`);
    });
}
