/** Backbones, registered with their options' schemas under mmseg's type and key names. */
import { registries } from '../registry.js';
import { loadWeights } from '../weights/node.js';
import { positiveInt, positiveInts, pretrainedInitCfg, probability } from '../config/schema-parts.js';
import { SwinTransformer, type SwinOptions } from './swin.js';
import { SeMaskSwinTransformer } from './semask-swin.js';
import { VisionTransformer } from './vit.js';
import { PyramidGroupTransformer } from './pgt.js';
import type { JSONSchema } from '../config/json-schema.js';

export { SwinTransformer, SWIN_PRESETS, type SwinOptions } from './swin.js';
export { SeMaskSwinTransformer, SemanticLayer, SemanticAttention, officialSemWindowed, type SeMaskOptions } from './semask-swin.js';
export { VisionTransformer, VIT_PRESETS, type VisionTransformerOptions, type HybridOptions } from './vit.js';
export { ResNetV2, type ResNetV2Options } from './resnetv2.js';
export {
  PyramidGroupTransformer, PGTBlock, PGMSA, PatchTransform, CPE, PGT_PRESETS, groupPadding, groupPartition, groupMerge, type PGTOptions,
} from './pgt.js';

interface SwinConfig {
  pretrain_img_size: number;
  in_channels: number;
  embed_dims: number;
  patch_size: number;
  window_size: number;
  mlp_ratio: number;
  depths: number[];
  num_heads: number[];
  out_indices: number[];
  qkv_bias: boolean;
  qk_scale: number | null;
  patch_norm: boolean;
  drop_rate: number;
  attn_drop_rate: number;
  drop_path_rate: number;
  use_abs_pos_embed: boolean;
  frozen_stages: number;
  init_cfg?: { checkpoint: string; prefix?: string } | null;
}

/** SwinTransformer's options, mmseg names and the official code's defaults. */
const swinProperties: Record<string, JSONSchema> = {
      pretrain_img_size: { ...positiveInt, default: 224 },
      in_channels: { ...positiveInt, default: 3 },
      embed_dims: { ...positiveInt, default: 96 },
      patch_size: { ...positiveInt, default: 4 },
      window_size: { ...positiveInt, default: 7 },
      mlp_ratio: { type: 'number', exclusiveMinimum: 0, default: 4 },
      depths: { ...positiveInts, default: [2, 2, 6, 2] },
      num_heads: { ...positiveInts, default: [3, 6, 12, 24] },
      strides: { type: 'array', items: [{ const: 4 }, { const: 2 }, { const: 2 }, { const: 2 }], minItems: 4, maxItems: 4 },
      out_indices: { type: 'array', items: { type: 'integer', minimum: 0 }, default: [0, 1, 2, 3] },
      qkv_bias: { type: 'boolean', default: true },
      qk_scale: { type: ['number', 'null'], default: null },
      patch_norm: { type: 'boolean', default: true },
      drop_rate: { ...probability, default: 0 },
      attn_drop_rate: { ...probability, default: 0 },
      drop_path_rate: { ...probability, default: 0.2 },
      use_abs_pos_embed: { type: 'boolean', default: false },
      act_cfg: { type: 'object', properties: { type: { const: 'GELU' } }, additionalProperties: false },
      norm_cfg: { type: 'object', properties: { type: { const: 'LN' }, requires_grad: { const: true } }, additionalProperties: false },
      with_cp: { const: false },
      frozen_stages: { type: 'integer', minimum: -1, default: -1 },
      init_cfg: pretrainedInitCfg,
};

function swinOptions(o: SwinConfig): SwinOptions {
  return {
    pretrainImgSize: o.pretrain_img_size,
    inChannels: o.in_channels,
    embedDims: o.embed_dims,
    patchSize: o.patch_size,
    windowSize: o.window_size,
    mlpRatio: o.mlp_ratio,
    depths: o.depths,
    numHeads: o.num_heads,
    outIndices: o.out_indices,
    qkvBias: o.qkv_bias,
    qkScale: o.qk_scale,
    patchNorm: o.patch_norm,
    dropRate: o.drop_rate,
    attnDropRate: o.attn_drop_rate,
    dropPathRate: o.drop_path_rate,
    useAbsPosEmbed: o.use_abs_pos_embed,
    frozenStages: o.frozen_stages,
  };
}

registries.backbone.register<SwinConfig>('SwinTransformer', {
  description: 'Swin Transformer (segmentation variant of the official code), official checkpoint names',
  schema: { properties: swinProperties },
  build: (o) => {
    const model = new SwinTransformer(swinOptions(o));
    if (o.init_cfg) loadWeights(model, o.init_cfg.checkpoint, { prefix: o.init_cfg.prefix });
    return model;
  },
});

interface SeMaskConfig extends SwinConfig {
  num_cls: number;
  sem_window_size: number;
  num_sem_blocks: number[];
  sem_windowed?: boolean[] | null;
}

registries.backbone.register<SeMaskConfig>('SeMaskSwinTransformer', {
  description: 'SeMask-Swin: Swin with a semantic layer per stage; prior maps as extra outputs (official SeMask-FPN names)',
  schema: {
    properties: {
      ...swinProperties,
      num_cls: { ...positiveInt, default: 150 },
      sem_window_size: { ...positiveInt, default: 7 },
      num_sem_blocks: { type: 'array', items: { type: 'integer', minimum: 0 }, default: [1, 1, 1, 1] },
      sem_windowed: { type: ['array', 'null'], items: { type: 'boolean' } },
    },
  },
  build: (o) => {
    const model = new SeMaskSwinTransformer({
      ...swinOptions(o),
      numClasses: o.num_cls,
      semWindowSize: o.sem_window_size,
      numSemBlocks: o.num_sem_blocks,
      semWindowed: o.sem_windowed ?? undefined,
    });
    if (o.init_cfg) loadWeights(model, o.init_cfg.checkpoint, { prefix: o.init_cfg.prefix });
    return model;
  },
});

interface ViTConfig {
  img_size: number;
  patch_size: number;
  in_channels: number;
  embed_dims: number;
  num_layers: number;
  num_heads: number;
  mlp_ratio: number;
  qkv_bias: boolean;
  drop_rate: number;
  attn_drop_rate: number;
  drop_path_rate: number;
  out_indices: number | number[];
  output_cls_token: boolean;
  final_norm: boolean;
  norm_cfg: { type: 'LN'; eps?: number };
  hybrid?: { layers: number[]; channels?: number[]; stem_channels?: number; out_indices?: number[] } | null;
  init_cfg?: { checkpoint: string; prefix?: string } | null;
}

registries.backbone.register<ViTConfig>('VisionTransformer', {
  description: "ViT or R50 hybrid (timm names, DPT's forward_flex): raw block outputs as maps, CLS tokens with output_cls_token",
  schema: {
    properties: {
      img_size: { ...positiveInt, default: 384 },
      patch_size: { ...positiveInt, default: 16 },
      in_channels: { ...positiveInt, default: 3 },
      embed_dims: { ...positiveInt, default: 768 },
      num_layers: { ...positiveInt, default: 12 },
      num_heads: { ...positiveInt, default: 12 },
      mlp_ratio: { type: 'number', exclusiveMinimum: 0, default: 4 },
      qkv_bias: { type: 'boolean', default: true },
      drop_rate: { ...probability, default: 0 },
      attn_drop_rate: { ...probability, default: 0 },
      drop_path_rate: { ...probability, default: 0 },
      // mmseg: -1 is the last block
      out_indices: { anyOf: [{ const: -1 }, { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1 }], default: -1 },
      output_cls_token: { type: 'boolean', default: false },
      with_cls_token: { const: true },
      final_norm: { type: 'boolean', default: false },
      norm_cfg: {
        type: 'object',
        properties: { type: { const: 'LN' }, eps: { type: 'number', exclusiveMinimum: 0 }, requires_grad: { const: true } },
        additionalProperties: false,
        default: { type: 'LN', eps: 1e-6 },
      },
      act_cfg: { type: 'object', properties: { type: { const: 'GELU' } }, additionalProperties: false },
      with_cp: { const: false },
      // timm's hybrid ViT: a ResNetV2 patch embedding (R50: layers [3, 4, 9]); out_indices = stages output first
      hybrid: {
        type: ['object', 'null'],
        properties: {
          layers: positiveInts,
          channels: positiveInts,
          stem_channels: positiveInt,
          out_indices: { type: 'array', items: { type: 'integer', minimum: 0 } },
        },
        required: ['layers'],
        additionalProperties: false,
      },
      init_cfg: pretrainedInitCfg,
    },
  },
  build: (o) => {
    const h = o.hybrid;
    const model = new VisionTransformer({
      imgSize: o.img_size,
      patchSize: o.patch_size,
      inChannels: o.in_channels,
      embedDims: o.embed_dims,
      numLayers: o.num_layers,
      numHeads: o.num_heads,
      mlpRatio: o.mlp_ratio,
      qkvBias: o.qkv_bias,
      dropRate: o.drop_rate,
      attnDropRate: o.attn_drop_rate,
      dropPathRate: o.drop_path_rate,
      outIndices: o.out_indices === -1 ? undefined : (o.out_indices as number[]),
      outputClsToken: o.output_cls_token,
      finalNorm: o.final_norm,
      layerNormEps: o.norm_cfg.eps ?? 1e-6,
      hybrid: h ? { layers: h.layers, channels: h.channels, stemChannels: h.stem_channels, outIndices: h.out_indices } : undefined,
    });
    if (o.init_cfg) loadWeights(model, o.init_cfg.checkpoint, { prefix: o.init_cfg.prefix });
    return model;
  },
});

interface PGTConfig {
  in_channels: number;
  embed_dims: number;
  patch_size: number;
  group_nums: number[];
  mlp_ratio: number;
  depths: number[];
  num_heads: number[];
  strides: number[];
  out_indices: number[];
  qkv_bias: boolean;
  qk_scale: number | null;
  patch_norm: boolean;
  drop_rate: number;
  attn_drop_rate: number;
  drop_path_rate: number;
  init_cfg?: { checkpoint: string; prefix?: string } | null;
}

registries.backbone.register<PGTConfig>('PyramidGroupTransformer', {
  description: "FTN's Pyramid Group Transformer: attention inside a sqrt(G) x sqrt(G) grid of groups per stage, CPE (the port's names)",
  schema: {
    properties: {
      pretrain_img_size: { ...positiveInt, description: 'accepted as in the port configs; unused (PGT has no position embedding)' },
      in_channels: { ...positiveInt, default: 3 },
      embed_dims: { ...positiveInt, default: 64 },
      patch_size: { ...positiveInt, default: 4 },
      group_nums: { ...positiveInts, default: [64, 16, 1, 1], description: 'groups per stage, perfect squares' },
      mlp_ratio: { type: 'number', exclusiveMinimum: 0, default: 4 },
      depths: { ...positiveInts, default: [2, 2, 6, 2] },
      num_heads: { ...positiveInts, default: [2, 4, 8, 16] },
      strides: { ...positiveInts, default: [4, 2, 2, 2] },
      out_indices: { type: 'array', items: { type: 'integer', minimum: 0 }, default: [0, 1, 2, 3] },
      qkv_bias: { type: 'boolean', default: true },
      qk_scale: { type: ['number', 'null'], default: null },
      patch_norm: { type: 'boolean', default: true },
      drop_rate: { ...probability, default: 0 },
      attn_drop_rate: { ...probability, default: 0 },
      drop_path_rate: { ...probability, default: 0.1 },
      act_cfg: { type: 'object', properties: { type: { const: 'GELU' } }, additionalProperties: false },
      norm_cfg: { type: 'object', properties: { type: { const: 'LN' }, requires_grad: { const: true } }, additionalProperties: false },
      with_cp: { const: false },
      frozen_stages: {
        const: -1,
        description: "only -1: the port's stage freezing refers to a patch_embed that PGT does not have",
      },
      init_cfg: pretrainedInitCfg,
    },
  },
  build: (o) => {
    const model = new PyramidGroupTransformer({
      inChannels: o.in_channels,
      embedDims: o.embed_dims,
      patchSize: o.patch_size,
      groupNums: o.group_nums,
      mlpRatio: o.mlp_ratio,
      depths: o.depths,
      numHeads: o.num_heads,
      strides: o.strides,
      outIndices: o.out_indices,
      qkvBias: o.qkv_bias,
      qkScale: o.qk_scale,
      patchNorm: o.patch_norm,
      dropRate: o.drop_rate,
      attnDropRate: o.attn_drop_rate,
      dropPathRate: o.drop_path_rate,
    });
    if (o.init_cfg) loadWeights(model, o.init_cfg.checkpoint, { prefix: o.init_cfg.prefix });
    return model;
  },
});
