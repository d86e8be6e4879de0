/** Options shared by the commands that take a config. */
import { Option } from 'commander';

export const cfgOptions = new Option(
  '--cfg-options <key=value...>',
  'override config keys, e.g. model.decode_head.num_classes=19 train_dataloader.batch_size=4',
);
