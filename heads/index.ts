/**
 * Decode heads, importable on their own (`import { UPerHead } from 'segvit/heads'`). Each head registers itself for
 * configs; the losses are registered too, so a head's `loss_decode` config builds after importing this alone.
 */
import '../lib/losses/index.js';

export { BaseDecodeHead, DecodeHeadOptions } from './decode-head.js';
export { UPerHead, PPM, UPerHeadOptions } from './uper.js';
export { FCNHead, FCNHeadOptions } from './fcn.js';
export { MultiSwinHead, MultiSwinBlock, MultiSwinHeadOptions, type MultiSwinMode } from './mswin.js';
export { BranchFPNHead, BranchFPNHeadOptions } from './semantic-fpn.js';
export { HiFormerHead, ConvUpsample, HiFormerHeadOptions } from './hiformer.js';
export {
  DPTHead, Reassemble, ProjectReadout, ResidualConvUnit, FeatureFusionBlock, Scratch, DPTHeadOptions, type Readout,
} from './dpt.js';
export {
  FeaturePyramidTransformerHead,
  FeaturePyramidTransformerHead as FPTHead,
  FPTBlock,
  SRMSA,
  FPTHeadOptions,
} from './fpt.js';
export { DFormerHead, DFormerHeadOptions } from './dformer.js';
