/**
 * JSON Schema validation with ajv, extended with the `component` keyword: a component config is checked against
 * the schema its `type` registered, recursively. Validation fills schema defaults into the data (`useDefaults`)
 * and collects every error, each with its full path.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import type { ComponentKind, Registries, Registry } from '../registry.js';
import { ConfigError } from './errors.js';
import { isJsonObject } from './json.js';
import type { JSONSchema, OptionsSchema } from './json-schema.js';
import { toProblem } from './problems.js';

/** The keyword's view of its surroundings (ajv's DataValidationCxt, of which only the path is used). */
interface DataContext {
  instancePath: string;
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
      metaSchema: { enum: Object.keys(registries) },
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
    if (!isJsonObject(data)) return [problem(instancePath, `must be a ${kind} config object`)];
    const { type } = data;
    if (type === undefined) {
      const registered = registry.types().join(', ') || 'none';
      return [problem(instancePath, `missing required key 'type' (registered ${kind}s: ${registered})`)];
    }
    if (typeof type !== 'string') return [problem(`${instancePath}/type`, 'must be string')];
    if (!registry.has(type)) return [problem(`${instancePath}/type`, registry.unknownType(type))];
    const { schema } = registry.get(type);
    const validate = this.#compiled(schema, () => {
      try {
        return this.#ajv.compile(componentSchema(schema));
      } catch (err) {
        throw new Error(`${kind} '${type}' registered an invalid schema: ${(err as Error).message}`);
      }
    });
    return this.#run(validate, data, instancePath);
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
 * Validate a component config of `registry`'s kind found at config path `path` (filling defaults in place);
 * nested components are looked up in `family`. A ConfigError lists every problem.
 */
export function validateComponent(registry: Registry<unknown>, family: Registries, data: unknown, path: string): void {
  assertNoErrors(validatorFor(family).checkComponent(registry, data), path);
}
