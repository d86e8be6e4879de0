/** Losses, registered under mmseg's type and key names. */
import { registries } from '../registry.js';
import { CrossEntropyLoss } from './cross-entropy.js';

export { CrossEntropyLoss, pixelAccuracy, type CrossEntropyOptions } from './cross-entropy.js';
export type { SegLoss } from './types.js';

interface CrossEntropyConfig {
  use_sigmoid: boolean;
  class_weight: number[] | null;
  loss_weight: number;
  avg_non_ignore: boolean;
  loss_name: string;
  reduction: 'mean';
}

registries.loss.register<CrossEntropyConfig>('CrossEntropyLoss', {
  description: "softmax cross-entropy with ignore_index and class weights, averaged as mmseg's (avg_non_ignore)",
  schema: {
    properties: {
      use_sigmoid: { const: false, default: false },
      use_mask: { const: false },
      reduction: { const: 'mean', default: 'mean' },
      class_weight: { type: ['array', 'null'], items: { type: 'number', minimum: 0 }, default: null },
      loss_weight: { type: 'number', minimum: 0, default: 1 },
      avg_non_ignore: { type: 'boolean', default: false },
      loss_name: { type: 'string', pattern: '^loss', default: 'loss_ce' },
    },
  },
  build: (o) =>
    new CrossEntropyLoss({
      classWeight: o.class_weight,
      lossWeight: o.loss_weight,
      avgNonIgnore: o.avg_non_ignore,
      lossName: o.loss_name,
    }),
});
