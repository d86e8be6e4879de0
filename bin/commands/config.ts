import type { Command } from 'commander';
import { formatConfig, loadConfig, validateConfig } from '../../lib/config/index.js';
import '../../lib/components.js';
import { cfgOptions } from './options.js';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('print the resolved config: _base_ files merged, --cfg-options applied, validated, defaults filled in')
    .argument('<config>', 'a JSON config file')
    .addOption(cfgOptions)
    .addHelpText(
      'after',
      '\nExample:\n  $ segvit config configs/_base_/models/upernet_swin.json --cfg-options model.decode_head.num_classes=19',
    )
    .action((file: string, opts: { cfgOptions?: string[] }) => {
      const cfg = loadConfig(file, { cfgOptions: opts.cfgOptions });
      console.log(formatConfig(validateConfig(cfg)));
    });
}
