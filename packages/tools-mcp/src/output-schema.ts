import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { OutputValidator } from './content.js';

/** Keywords whose value is one subschema. */
const ONE = ['additionalProperties', 'items', 'additionalItems', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems'];
/** Keywords whose value is a list of subschemas (`items` may be one too). */
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
/** Keywords whose value maps names to subschemas. */
const MAP = ['properties', 'definitions', '$defs', 'dependentSchemas', 'dependencies'];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of a server's output schema that is safe to compile and run: regular expressions a
 * server wrote (`pattern`, `patternProperties`) could backtrack for minutes and stall the whole
 * process, and `uniqueItems` is quadratic over an array of objects, so they are left out —
 * `patternProperties` folds into `additionalProperties` (each such property must match one of
 * the schemas), which only ever accepts more. `$id` and `$schema` are dropped too: an `$id`
 * shared by two tools must not make one tool's schema check the other's output, and the
 * validator reads every schema with the same rules. The result accepts at least what the
 * original accepts (never a false refusal). The input is nested at most `MAX_JSON_DEPTH` levels
 * (checked when the listing was read).
 */
export function safeOutputSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(safeOutputSchema);
  if (!isRecord(schema)) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'pattern' || key === 'uniqueItems' || key === '$id' || key === '$schema' || key === 'patternProperties') continue;
    if (ONE.includes(key) && (isRecord(value) || typeof value === 'boolean')) copy[key] = safeOutputSchema(value);
    else if (LIST.includes(key) && Array.isArray(value)) copy[key] = value.map(safeOutputSchema);
    else if (MAP.includes(key) && isRecord(value)) copy[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, safeOutputSchema(sub)]));
    else copy[key] = value;
  }
  if (isRecord(schema.patternProperties)) {
    const patterned = Object.values(schema.patternProperties).map(safeOutputSchema);
    const additional = copy.additionalProperties;
    if (additional !== undefined && additional !== true && patterned.length > 0) {
      copy.additionalProperties = additional === false ? { anyOf: patterned } : { anyOf: [additional, ...patterned] };
    }
  }
  return copy;
}

/**
 * Compiles a tool's output schema into a validator, in a validator instance of its own (no
 * schema registry shared between tools). A schema that cannot be compiled (an unresolvable
 * `$ref`, …) yields a validator that refuses everything with the reason.
 */
export function compileOutputSchema(schema: Record<string, unknown>): OutputValidator {
  try {
    const compiled = new AjvJsonSchemaValidator().getValidator(safeOutputSchema(schema) as never);
    return (value) => {
      const verdict = compiled(value);
      return verdict.valid ? { valid: true } : { valid: false, errorMessage: String(verdict.errorMessage ?? 'invalid').slice(0, 1_000) };
    };
  } catch (error) {
    const message = String((error as Error)?.message ?? error).slice(0, 300);
    return () => ({ valid: false, errorMessage: `the outputSchema cannot be compiled (${message})` });
  }
}
