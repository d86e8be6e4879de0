/** Validating a loaded config against the top-level schema and every component's registered schema. */
import { registries as globalRegistries, type Registries } from '../registry.js';
import type { JsonObject } from './json.js';
import { configSchema } from './schema.js';
import type { SegvitConfig } from './types.js';
import { validateSchema } from './validator.js';

/**
 * Check `cfg` (a loaded config) and fill in schema defaults, in place. Components are looked up in `registries`.
 * Throws a ConfigError whose one-line message is the first problem (`model.decode_head.channels: must be
 * integer`) and whose `problems` lists them all.
 */
export function validateConfig(cfg: JsonObject, registries: Registries = globalRegistries): SegvitConfig {
  validateSchema(registries, configSchema, cfg);
  return cfg as unknown as SegvitConfig;
}
