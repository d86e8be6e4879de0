/** Segmentors, registered under mmseg's type and key names. */
import { registries } from '../registry.js';
import type { ComponentConfig } from '../config/types.js';
import { EncoderDecoder } from './encoder-decoder.js';

export { EncoderDecoder, totalLoss, type EncoderDecoderParts } from './encoder-decoder.js';
export type { Backbone, Neck } from './types.js';

interface EncoderDecoderConfig {
  backbone: ComponentConfig;
  neck?: ComponentConfig | null;
  decode_head: ComponentConfig;
  auxiliary_head?: ComponentConfig | ComponentConfig[] | null;
}

registries.segmentor.register<EncoderDecoderConfig>('EncoderDecoder', {
  description: 'backbone -> [neck] -> decode_head, plus auxiliary heads during training',
  schema: {
    properties: {
      backbone: { component: 'backbone' },
      neck: { anyOf: [{ type: 'null' }, { component: 'neck' }] },
      decode_head: { component: 'head' },
      auxiliary_head: { anyOf: [{ type: 'null' }, { component: 'head', list: true }] },
      train_cfg: { type: 'object', additionalProperties: false, default: {} },
      test_cfg: {
        type: 'object',
        properties: { mode: { const: 'whole', default: 'whole' } },
        additionalProperties: false,
        default: { mode: 'whole' },
      },
    },
    required: ['backbone', 'decode_head'],
  },
  build: (o, { registries: r, path }) => {
    const aux = o.auxiliary_head ?? undefined;
    return new EncoderDecoder({
      backbone: r.backbone.build(o.backbone, `${path}.backbone`),
      neck: o.neck ? r.neck.build(o.neck, `${path}.neck`) : undefined,
      decodeHead: r.head.build(o.decode_head, `${path}.decode_head`),
      auxiliaryHead: Array.isArray(aux)
        ? aux.map((h, i) => r.head.build(h, `${path}.auxiliary_head.${i}`))
        : aux && r.head.build(aux, `${path}.auxiliary_head`),
    });
  },
});
