/** Necks (backbone features -> features for the heads); each registers itself under mmseg's type and option names. */
export { FPN, FPNOptions, type ExtraConvsSource } from './fpn.js';
