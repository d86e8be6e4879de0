/**
 * JSON Schema validation with ajv, extended with the `component` keyword: a component config is checked against
 * the schema its `type` registered, recursively. Validation fills schema defaults into the data (`useDefaults`)
 * and collects every error, each with its full path.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import { COMPONENT_KINDS, type ComponentKind, type Registries, type Registry } from '../registry.js';
import { ConfigError } from './errors.js';
import { isJsonObject } from './json.js';
import type { JSONSchema, OptionsSchema } from './json-schema.js';
import { toProblem } from './problems.js';

/** The keyword's view of its surroundings (ajv's DataValidationCxt, of which only the path is used). */
interface DataContext {
  instancePath: string;
}

/** A built component (a class instance) where a config may stand: accepted as it is, as in `new UPerHead({loss_decode: new CrossEntropyLoss()})`. */
export function isBuilt(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto !== Object.prototype && proto !== null;
}

function problem(instancePath: string, message: string): ErrorObject {
  return { keyword: 'component', instancePath, schemaPath: '', params: {}, message };
}

/** The schema of a whole component config: the options schema plus the `type` key, closed unless it says otherwise. */
function componentSchema(options: OptionsSchema): JSONSchema {
  return {
    ...options,
    type: 'object',
    properties: { type: { type: 'string' }, ...options.properties },
    additionalProperties: options.additionalProperties ?? false,
  };
}

/** Validates data against schemas whose `component` keywords resolve through one set of registries. */
export class SchemaValidator {
  readonly #ajv: Ajv;
  readonly #validators = new WeakMap<object, ValidateFunction>();

  constructor(private readonly registries: Registries) {
    this.#ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, allowUnionTypes: true });
    this.#ajv.addKeyword({
      keyword: 'component',
      metaSchema: { enum: [...COMPONENT_KINDS] },
      errors: true,
      validate: this.#componentKeyword(),
    });
    this.#ajv.addKeyword({ keyword: 'list', metaSchema: { type: 'boolean' }, dependencies: ['component'] });
  }

  /** Errors of `data` against `schema` (defaults are filled into `data`), paths relative to `instancePath`. */
  check(schema: JSONSchema, data: unknown, instancePath = ''): ErrorObject[] {
    return this.#run(this.#compiled(schema, () => this.#ajv.compile(schema)), data, instancePath);
  }

  /** Errors of a component config of `registry`'s kind found at `instancePath`. */
  checkComponent(registry: Registry<unknown>, data: unknown, instancePath = ''): ErrorObject[] {
    const { kind } = registry;
    if (isBuilt(data)) return [];
    if (!isJsonObject(data)) return [problem(instancePath, `must be a ${kind} config object`)];
    const { type } = data;
    if (type === undefined) {
      const registered = registry.types().join(', ') || 'none';
      return [problem(instancePath, `missing required key 'type' (registered ${kind}s: ${registered})`)];
    }
    if (typeof type !== 'string') return [problem(`${instancePath}/type`, 'must be string')];
    if (!registry.has(type)) return [problem(`${instancePath}/type`, registry.unknownType(type))];
    return this.#run(this.#componentValidator(registry.get(type).schema, `${kind} '${type}'`), data, instancePath);
  }

  /** Errors of the options of a component (its config without `type`) against its `schema`, named `name` in errors. */
  checkOptions(schema: OptionsSchema, data: unknown, name: string, instancePath = ''): ErrorObject[] {
    return this.#run(this.#componentValidator(schema, name), data, instancePath);
  }

  #componentValidator(schema: OptionsSchema, name: string): ValidateFunction {
    return this.#compiled(schema, () => {
      try {
        return this.#ajv.compile(componentSchema(schema));
      } catch (err) {
        throw new Error(`${name} registered an invalid schema: ${(err as Error).message}`);
      }
    });
  }

  #run(validate: ValidateFunction, data: unknown, instancePath: string): ErrorObject[] {
    if (validate(data)) return [];
    return (validate.errors ?? []).map((error) => ({ ...error, instancePath: instancePath + error.instancePath }));
  }

  /** The validator compiled for `key` (a schema object), compiling it on first use. */
  #compiled(key: object, compile: () => ValidateFunction): ValidateFunction {
    let validate = this.#validators.get(key);
    if (validate === undefined) {
      validate = compile();
      this.#validators.set(key, validate);
    }
    return validate;
  }

  /** The `component` keyword: `{component: kind}` (and `list: true` for a config or a list of configs). */
  #componentKeyword(): SchemaValidateFunction {
    const keyword: SchemaValidateFunction = (
      kind: ComponentKind,
      data: unknown,
      parentSchema?: AnySchemaObject,
      cxt?: DataContext,
    ) => {
      const path = cxt?.instancePath ?? '';
      const registry = this.registries[kind] as Registry<unknown>;
      const errors =
        parentSchema?.list === true && Array.isArray(data)
          ? data.flatMap((item, i) => this.checkComponent(registry, item, `${path}/${i}`))
          : this.checkComponent(registry, data, path);
      keyword.errors = errors;
      return errors.length === 0;
    };
    return keyword;
  }
}

const validators = new WeakMap<Registries, SchemaValidator>();

/** The validator of a set of registries (one per set, so compiled schemas are reused). */
export function validatorFor(registries: Registries): SchemaValidator {
  let validator = validators.get(registries);
  if (validator === undefined) {
    validator = new SchemaValidator(registries);
    validators.set(registries, validator);
  }
  return validator;
}

/** Throw a ConfigError listing every problem in `errors`, found below config path `base`. */
function assertNoErrors(errors: readonly ErrorObject[], base = ''): void {
  if (errors.length > 0) throw new ConfigError(errors.map((error) => toProblem(error, base)));
}

/** Validate `data` against `schema` (filling defaults in place); a ConfigError lists every problem. */
export function validateSchema(registries: Registries, schema: JSONSchema, data: unknown): void {
  assertNoErrors(validatorFor(registries).check(schema, data));
}

/**
 * Validate the options of a component (`data`, without `type`) found at config path `path` against `schema`
 * (filling defaults in place); nested components are looked up in `family`. A ConfigError lists every problem.
 */
export function validateOptions(family: Registries, schema: OptionsSchema, data: unknown, path: string): void {
  assertNoErrors(validatorFor(family).checkOptions(schema, data, path), path);
}

/**
 * Validate a component config of `registry`'s kind found at config path `path` (filling defaults in place);
 * nested components are looked up in `family`. A ConfigError lists every problem.
 */
export function validateComponent(registry: Registry<unknown>, family: Registries, data: unknown, path: string): void {
  assertNoErrors(validatorFor(family).checkComponent(registry, data), path);
}
