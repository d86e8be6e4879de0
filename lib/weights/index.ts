/**
 * Weights as bytes, for Node and the browser (no Node built-in is imported from here): safetensors, PyTorch .pth,
 * layout conversion, checkpoint adapters and loading into a Module. Reading and writing files: `./node.js`
 * (`segvit/weights` in Node, `segvit/weights/node` explicitly).
 */
export { numel, isTensorRecord, type Dtype, type TensorData, type TensorRecord } from './record.js';
export { readSafetensors, encodeSafetensors, type Safetensors } from './safetensors.js';
export { readPth, isZip } from './pth.js';
export {
  readCheckpoint, extractStateDict, stripCommonPrefix, selectPrefix, type CheckpointOptions,
} from './checkpoint.js';
export { fromTorch, toTorch, torchShape, type LaidOut } from './layout.js';
export { permute, gatherStrided, contiguousStrides } from './strided.js';
export { halfToFloat } from './float16.js';
export {
  loadStateDict, formatLoadReport, CheckpointMismatchError, type LoadOptions, type LoadReport, type ShapeMismatch,
} from './load.js';
export { stateDictOf } from './save.js';
export { adaptCheckpoint, renameKeys, type CheckpointAdapter, type StateDict } from './adapt.js';
export { loadWeights, type LoadWeightsOptions } from './load-weights.js';
export { channelsLast, channelsFirstRecord } from './channels.js';
