/** `segvit config`: the resolved config as pretty JSON. */
import type { JsonObject } from './json.js';
import type { SegvitConfig } from './types.js';

export function formatConfig(cfg: JsonObject | SegvitConfig): string {
  return JSON.stringify(cfg, null, 2);
}
