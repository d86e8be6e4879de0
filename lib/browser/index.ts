/**
 * segvit in the browser: `loadModel(url)` fetches a folder written by `segvit export`, `predict(image)` segments an
 * image or estimates its depth. Plain ESM that bundles (esbuild) with no Node built-in. Importing it registers
 * the models' components and the test transforms.
 */
import '../backbones/index.js';
import '../necks/index.js';
import '../../heads/index.js';
import '../losses/index.js';
import '../segmentors/index.js';
import '../../datasets/transforms/index.js';

export { loadModel, SegvitModel } from './model.js';
export type { ClassPresent, DepthResult, LoadModelOptions, PredictOptions, PredictResult, SegmentationResult, Timing } from './model.js';
export { BROWSER_BACKENDS, selectBackend } from './backend.js';
export type { BackendAttempt, BackendChoice, BackendOptions, BrowserBackend } from './backend.js';
export { toImage, toImageData, type ImageInput } from './image.js';
export { ExportError, type ExportManifest } from '../export/manifest.js';
export { colormap } from '../viz/colormaps.js';
