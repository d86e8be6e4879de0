/**
 * Importing this registers every built-in component (models, losses, optimizers, schedulers, metrics, datasets) and
 * lets backbones built from configs load their `init_cfg` checkpoints from files (Node).
 */
import { registries, setWeightLoader } from './registry.js';
import { loadWeights } from './weights/node.js';
import './backbones/index.js';
import './necks/index.js';
import '../heads/index.js';
import './losses/index.js';
import './segmentors/index.js';
import './engine/optim/index.js';
import './engine/schedulers/index.js';
import './metrics/index.js';
import '../datasets/index.js';
import '../datasets/transforms/index.js';

setWeightLoader(registries, loadWeights);
