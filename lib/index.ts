/** segvit's Node API. Importing it registers every built-in component. */
import './components.js';

export { initBackend, loadAllBackends, BACKENDS, type BackendName } from './backend.js';
export { registries, listComponents, createRegistries, COMPONENT_KINDS, type ComponentKind, type Registries } from './registry.js';
export { loadConfig, validateConfig, formatConfig, ConfigError } from './config/index.js';
export { manualSeed, Rng } from './random.js';
export * as nn from './nn/index.js';
export * as weights from './weights/node.js';
export * from './backbones/index.js';
export * from './necks/index.js';
export * from './segmentors/index.js';
export * from './losses/index.js';
export * as heads from '../heads/index.js';
