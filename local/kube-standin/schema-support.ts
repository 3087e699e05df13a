import type { StructuralSchema } from './openapi-schema.js';

/**
 * What the stand-in enforces of a CRD schema, and a refusal for everything else: a keyword it silently
 * skipped would let an object through that a real API server refuses, and hide the bug that wrote it.
 */
const enforcedKeywords = new Set([
  'type', 'properties', 'additionalProperties', 'items', 'required', 'enum', 'pattern', 'format',
  'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'minProperties', 'maxProperties',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
  // No effect on validation: documentation, and how server-side apply merges a map.
  'description', 'title', 'example', 'externalDocs', 'x-kubernetes-map-type',
  // Checked below by value.
  'x-kubernetes-list-type',
]);
/** date-time is checked; the numeric formats controller-gen emits are not validated by the API server either. */
const enforcedFormats = new Set(['date-time', 'int32', 'int64', 'float', 'double']);

/** A CEL rule the stand-in evaluates: `self == oldSelf` (the value may not change once set). */
export interface TransitionRule {
  /** Property names from the object root to the value the rule is on. */
  readonly path: readonly string[];
  readonly message: string;
}

const immutableRule = (rule: string) => rule.replace(/\s+/g, '') === 'self==oldSelf';

export class UnenforceableSchemaError extends Error {
  override readonly name = 'UnenforceableSchemaError';
}

/** Every keyword, format and CEL rule of `schema` the stand-in cannot enforce, with its path. */
export function unenforceableParts(schema: StructuralSchema, path: string, underProperties = true): string[] {
  const problems: string[] = [];
  const at = path === '' ? '<root>' : path;
  for (const keyword of Object.keys(schema)) {
    if (!enforcedKeywords.has(keyword)) problems.push(`${at}: ${keyword}`);
  }
  if (schema.format !== undefined && !enforcedFormats.has(schema.format)) problems.push(`${at}: format ${schema.format}`);
  // `set` and `map` lists have uniqueness rules the stand-in does not check; `atomic` has none.
  const listType = (schema as Record<string, unknown>)['x-kubernetes-list-type'];
  if (listType !== undefined && listType !== 'atomic') problems.push(`${at}: x-kubernetes-list-type ${JSON.stringify(listType)}`);
  // What the API server refuses in a CRD itself.
  if (schema['x-kubernetes-preserve-unknown-fields'] === false) problems.push(`${at}: x-kubernetes-preserve-unknown-fields must be true or absent`);
  if (schema.properties !== undefined && schema.additionalProperties !== undefined) problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
  for (const validation of schema['x-kubernetes-validations'] ?? []) {
    const extra = Object.keys(validation).filter((key) => key !== 'rule' && key !== 'message');
    if (!immutableRule(validation.rule) || !underProperties || extra.length > 0) {
      problems.push(`${at}: CEL rule ${JSON.stringify(validation.rule)}${extra.length > 0 ? ` with ${extra.join(', ')}` : ''}`);
    }
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) problems.push(...unenforceableParts(child, path === '' ? key : `${path}.${key}`, underProperties));
  if (schema.items) problems.push(...unenforceableParts(schema.items, `${path}[*]`, false));
  if (typeof schema.additionalProperties === 'object') problems.push(...unenforceableParts(schema.additionalProperties, `${path}[*]`, false));
  return problems;
}

/** The `self == oldSelf` rules of a schema (only reachable through `properties`: unenforceableParts refuses the rest). */
export function transitionRules(schema: StructuralSchema, path: readonly string[] = []): TransitionRule[] {
  const own = (schema['x-kubernetes-validations'] ?? [])
    .filter((validation) => immutableRule(validation.rule))
    .map((validation) => ({ path, message: validation.message ?? 'failed rule: self == oldSelf' }));
  return [...own, ...Object.entries(schema.properties ?? {}).flatMap(([key, child]) => transitionRules(child, [...path, key]))];
}

/** The value at `path` in an object, or undefined. */
export function valueAt(object: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, key) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined), object);
}
