/** Segmentors, registered under mmseg's type and key names. */
import { registries } from '../registry.js';
import type { ComponentConfig } from '../config/types.js';
import type { JSONSchema } from '../config/json-schema.js';
import { EncoderDecoder } from './encoder-decoder.js';
import { SegDataPreProcessor } from './data-preprocessor.js';
import type { TestCfg } from '../engine/inference.js';

export { EncoderDecoder, totalLoss, type EncoderDecoderParts } from './encoder-decoder.js';
export { SegDataPreProcessor, type DataPreprocessorOptions } from './data-preprocessor.js';
export type { Backbone, Neck } from './types.js';

interface EncoderDecoderConfig {
  backbone: ComponentConfig;
  neck?: ComponentConfig | null;
  decode_head: ComponentConfig;
  auxiliary_head?: ComponentConfig | ComponentConfig[] | null;
  data_preprocessor?: {
    mean?: number[] | null;
    std?: number[] | null;
    bgr_to_rgb: boolean;
    pad_val: number;
    seg_pad_val: number;
    size?: [number, number] | null;
    size_divisor?: number | null;
  } | null;
  test_cfg: TestCfg;
}

const pair: JSONSchema = { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 };
const channelValues: JSONSchema = { type: ['array', 'null'], items: { type: 'number' }, minItems: 1 };

registries.segmentor.register<EncoderDecoderConfig>('EncoderDecoder', {
  description: 'backbone -> [neck] -> decode_head, plus auxiliary heads during training',
  schema: {
    properties: {
      backbone: { component: 'backbone' },
      neck: { anyOf: [{ type: 'null' }, { component: 'neck' }] },
      decode_head: { component: 'head' },
      auxiliary_head: { anyOf: [{ type: 'null' }, { component: 'head', list: true }] },
      train_cfg: { type: 'object', additionalProperties: false, default: {} },
      data_preprocessor: {
        type: ['object', 'null'],
        properties: {
          type: { const: 'SegDataPreProcessor' },
          mean: channelValues,
          std: channelValues,
          bgr_to_rgb: { type: 'boolean', default: true },
          pad_val: { type: 'number', default: 0 },
          seg_pad_val: { type: 'integer', default: 255 },
          size: { anyOf: [{ type: 'null' }, pair] },
          size_divisor: { type: ['integer', 'null'], minimum: 1 },
        },
        additionalProperties: false,
      },
      test_cfg: {
        type: 'object',
        properties: { mode: { enum: ['whole', 'slide'], default: 'whole' }, crop_size: pair, stride: pair },
        additionalProperties: false,
        default: { mode: 'whole' },
      },
    },
    required: ['backbone', 'decode_head'],
  },
  build: (o, { registries: r, path }) => {
    const aux = o.auxiliary_head ?? undefined;
    const test = o.test_cfg;
    if (test.mode === 'slide' && (!test.crop_size || !test.stride)) {
      throw new Error(`${path}.test_cfg: slide mode needs crop_size and stride`);
    }
    const dp = o.data_preprocessor;
    return new EncoderDecoder({
      backbone: r.backbone.build(o.backbone, `${path}.backbone`),
      neck: o.neck ? r.neck.build(o.neck, `${path}.neck`) : undefined,
      decodeHead: r.head.build(o.decode_head, `${path}.decode_head`),
      auxiliaryHead: Array.isArray(aux)
        ? aux.map((h, i) => r.head.build(h, `${path}.auxiliary_head.${i}`))
        : aux && r.head.build(aux, `${path}.auxiliary_head`),
      dataPreprocessor:
        dp ?
        new SegDataPreProcessor({
          mean: dp.mean,
          std: dp.std,
          bgrToRgb: dp.bgr_to_rgb,
          padVal: dp.pad_val,
          segPadVal: dp.seg_pad_val,
          size: dp.size,
          sizeDivisor: dp.size_divisor,
        }) : undefined,
      testCfg: test,
    });
  },
});
