/** ajv's errors as one-line config problems: `model.backbone: unknown key 'embed_dim' (did you mean 'embed_dims'?)`. */
import type { ErrorObject } from 'ajv';
import type { ConfigProblem } from './errors.js';
import { didYouMean } from './suggest.js';

/** How a value is quoted in reasons: strings in single quotes, everything else as JSON. */
function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

/** `model.decode_head.channels` from `base` and the JSON pointer `/decode_head/channels`; the root is `config`. */
function configPath(base: string, pointer: string): string {
  const keys = pointer
    .split('/')
    .slice(1)
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  return [base, ...keys].filter((key) => key !== '').join('.') || 'config';
}

function reason(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = params.additionalProperty as string;
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      return `unknown key '${key}'${didYouMean(key, known)}`;
    }
    case 'required':
      return `missing required key '${params.missingProperty as string}'`;
    case 'type':
      return `must be ${[params.type].flat().join(',').split(',').join(' or ')}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(quote).join(', ')}`;
    case 'const':
      return `must be ${quote(params.allowedValue)}`;
    default:
      return error.message ?? `fails '${error.keyword}'`;
  }
}

/** The problem an ajv error describes, for a value found at config path `base`. */
export function toProblem(error: ErrorObject, base = ''): ConfigProblem {
  return { path: configPath(base, error.instancePath), reason: reason(error) };
}
