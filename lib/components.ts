/** Importing this registers every built-in component (backbones, heads, losses, segmentors). */
import './backbones/index.js';
import '../heads/index.js';
import './losses/index.js';
import './segmentors/index.js';
