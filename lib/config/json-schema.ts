/**
 * The JSON Schema (draft-07) subset that config and component schemas are written in, plus segvit's two keywords:
 * `component` marks a value that is itself a component config (`{"type": "SwinTransformer", ...}`) of that kind,
 * validated against the schema its type registered; with `list: true` the value may also be a list of them
 * (mmseg's `auxiliary_head`). A list of components is `{ "type": "array", "items": { "component": "transform" } }`.
 */
import type { ComponentKind } from '../registry.js';
import type { Json } from './json.js';

export type JSONSchemaTypeName = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

export interface JSONSchema {
  type?: JSONSchemaTypeName | JSONSchemaTypeName[];
  /** segvit: the component type a declaration belongs to (`defineOptions`). */
  title?: string;
  description?: string;
  default?: Json;
  enum?: Json[];
  const?: Json;
  // numbers
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  // strings
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  // arrays
  items?: JSONSchema | JSONSchema[];
  additionalItems?: boolean | JSONSchema;
  minItems?: number;
  maxItems?: number;
  // objects
  properties?: Record<string, JSONSchema>;
  required?: string[];
  additionalProperties?: boolean | JSONSchema;
  propertyNames?: JSONSchema;
  // combinators
  anyOf?: JSONSchema[];
  oneOf?: JSONSchema[];
  allOf?: JSONSchema[];
  not?: JSONSchema;
  /** segvit: the value is a config of a component of this kind, checked against its registered schema. */
  component?: ComponentKind;
  /** segvit, with `component`: a list of such configs is accepted too. */
  list?: boolean;
}

/**
 * The schema of a component's options: an object schema that leaves out the `type` key. Unknown keys are errors
 * unless it sets `additionalProperties`.
 */
export type OptionsSchema = Omit<JSONSchema, 'type' | 'properties'> & {
  type?: 'object';
  properties: Record<string, JSONSchema>;
};
