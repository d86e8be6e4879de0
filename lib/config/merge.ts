/**
 * mmseg's config inheritance merge: dicts merge key by key, recursively; arrays and scalars replace; a dict
 * holding `"_delete_": true` replaces the base value instead of merging into it. `_delete_` keys never survive.
 */
import { isJsonObject, type Json, type JsonObject } from './json.js';

export const DELETE_KEY = '_delete_';

/** `child` merged onto `base`, as a new object (neither input is modified). */
export function mergeConfig(base: JsonObject, child: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(child)) {
    if (key !== DELETE_KEY) merged[key] = mergeValue(base[key], value);
  }
  return merged;
}

/** The value that `child` leaves when set over `base` (which may be absent). */
export function mergeValue(base: Json | undefined, child: Json): Json {
  if (!isJsonObject(child)) return child;
  const kept = isJsonObject(base) && child[DELETE_KEY] !== true ? base : {};
  return mergeConfig(kept, child);
}
