/** Backbones; each registers itself under mmseg's type and option names. */
export { SwinTransformer, SwinOptions, SWIN_PRESETS } from './swin.js';
export { SeMaskSwinTransformer, SeMaskOptions, SemanticLayer, SemanticAttention, officialSemWindowed } from './semask-swin.js';
export { VisionTransformer, VisionTransformerOptions, HybridOptions, VIT_PRESETS } from './vit.js';
export { ResNetV2, ResNetV2Options } from './resnetv2.js';
export {
  PyramidGroupTransformer, PGTBlock, PGMSA, PatchTransform, CPE, PGT_PRESETS, PGTOptions, groupPadding, groupPartition, groupMerge,
} from './pgt.js';
export { ResNet, ResNetOptions, BasicBlock, Bottleneck, RESNET_ARCHS, type ResNetDepth } from './resnet.js';
export { All2Cross, All2CrossOptions, PyramidFeatures, SwinStages, SwinStage } from './hiformer.js';
export { MultiScaleBlock, CrossAttentionBlock, CrossAttention } from './hiformer-dlf.js';
export { DFormer, DFormerOptions } from './dformer.js';
export { DFormerBlock3D, DFormerStage, PatchEmbed3D, PatchExpand3D, PatchMerging3D, PosCNN } from './dformer-layers.js';
export { grouping, partition, unpartition, type Grouping } from './dformer-attention.js';
