#!/usr/bin/env node
/** The segvit command line: parse, load the config, call lib. */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerConfig } from './commands/config.js';
import { registerConvert } from './commands/convert.js';
import { registerDataset } from './commands/dataset.js';
import { registerFeatures } from './commands/features.js';
import { registerForward } from './commands/forward.js';
import { registerList } from './commands/list.js';
import { registerTrain } from './commands/train.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerPredict } from './commands/predict.js';
import { registerProfile } from './commands/profile.js';
import { registerServe } from './commands/serve.js';
import { describeGemm } from '../lib/kernels/native-blas.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('segvit')
  .description('Dense prediction with hierarchical vision transformers on TensorFlow.js')
  .version(`${version} (wasm backend: ${describeGemm()})`)
  .option('--backend <name>', 'tensorflow | wasm | cpu | auto (default: SEGVIT_BACKEND, else auto)')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
Examples:
  $ segvit list
  $ segvit config configs/_base_/models/upernet_swin.json --cfg-options model.decode_head.num_classes=19
  $ segvit features configs/_base_/models/upernet_swin.json --weights swin_tiny_patch4_window7_224.pth \\
      --input x.safetensors --out features.safetensors
  $ segvit forward configs/dpt/dpt_large_midas.json --weights dpt_large-midas-2f21e586.pt \\
      --input x.safetensors --out depth.safetensors
  $ segvit profile configs/demo/digits_swin-nano_upernet.json --iters 5
  $ segvit export configs/demo/digits_swin-nano_upernet.json work_dirs/digits_swin-nano_upernet --out web/digits
  $ segvit serve web/digits`,
  );

registerList(program);
registerConfig(program);
registerFeatures(program);
registerForward(program);
registerDataset(program);
registerConvert(program);
registerTrain(program);
registerEval(program);
registerPredict(program);
registerExport(program);
registerServe(program);
registerProfile(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`segvit: ${err.message}\n`);
  if (process.env.SEGVIT_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
