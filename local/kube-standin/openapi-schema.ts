/**
 * The subset of a CRD's structural OpenAPI v3 schema the stand-in enforces, the way kube-apiserver does:
 * unknown fields are pruned (unless x-kubernetes-preserve-unknown-fields), everything else is validated
 * and reported as field errors with Kubernetes' reasons and messages. A CRD using anything else is
 * refused when it is loaded (schema-support.ts).
 */
export interface StructuralSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

export interface FieldError {
  /** Kubernetes cause reason, e.g. FieldValueRequired. */
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueTypeInvalid';
  field: string;
  message: string;
}

const dateTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/i;

/** RFC 3339 date-time as Go parses it: a real calendar day, hours < 24, minutes and seconds < 60. */
function isDateTime(value: string): boolean {
  const match = dateTime.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  const offsetOk = match[9] === undefined || (Number(match[9]) < 24 && Number(match[10]) < 60);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60 && offsetOk;
}

/** The JSON type of a value as the API server names it in errors (integer apart from number). */
export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: StructuralSchema['type'], value: unknown): boolean {
  const actual = typeOf(value);
  return expected === undefined || actual === expected || (expected === 'number' && actual === 'integer');
}

/**
 * Validates `value` in place and prunes unknown fields (recording their paths in `pruned`); returns the
 * field errors (empty when valid).
 */
export function validateAndPrune(schema: StructuralSchema, value: unknown, path: string, errors: FieldError[] = [], pruned: string[] = []): FieldError[] {
  if (!typeMatches(schema.type, value)) {
    errors.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "${typeOf(value)}": ${path} in body must be of type ${schema.type}` });
    return errors;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    const supported = schema.enum.map((entry) => JSON.stringify(entry)).join(', ');
    errors.push({ reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported}` });
  }
  if (typeof value === 'string') validateString(schema, value, path, errors);
  if (typeof value === 'number') validateNumber(schema, value, path, errors);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items` });
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      errors.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
    }
    if (schema.items) value.forEach((item, index) => validateAndPrune(schema.items as StructuralSchema, item, `${path}[${index}]`, errors, pruned));
  }
  if (typeOf(value) === 'object') validateObject(schema, value as Record<string, unknown>, path, errors, pruned);
  return errors;
}

function validateString(schema: StructuralSchema, value: string, path: string, errors: FieldError[]): void {
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${schema.maxLength} bytes` });
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(value)}: ${path} in body should be at least ${schema.minLength} chars long` });
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    errors.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(value)}: ${path} in body should match '${schema.pattern}'` });
  }
  if (schema.format === 'date-time' && !isDateTime(value)) {
    errors.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${JSON.stringify(value)}: ${path} in body must be of type date-time` });
  }
}

function validateNumber(schema: StructuralSchema, value: number, path: string, errors: FieldError[]): void {
  if (schema.minimum !== undefined && value < schema.minimum) {
    errors.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value}: ${path} in body should be greater than or equal to ${schema.minimum}` });
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    errors.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value}: ${path} in body should be less than or equal to ${schema.maximum}` });
  }
}

function validateObject(schema: StructuralSchema, value: Record<string, unknown>, path: string, errors: FieldError[], pruned: string[]): void {
  for (const required of schema.required ?? []) {
    if (value[required] === undefined) errors.push({ reason: 'FieldValueRequired', field: `${path}.${required}`, message: 'Required value' });
  }
  if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties) {
    errors.push({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${Object.keys(value).length}: ${path} in body should have at least ${schema.minProperties} properties` });
  }
  if (schema.maxProperties !== undefined && Object.keys(value).length > schema.maxProperties) {
    errors.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${Object.keys(value).length}: must have at most ${schema.maxProperties} items` });
  }
  const additional = schema.additionalProperties;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key] ?? (typeof additional === 'object' ? additional : undefined);
    if (childSchema) {
      validateAndPrune(childSchema, child, `${path}.${key}`, errors, pruned);
    } else if (schema.properties !== undefined && !schema['x-kubernetes-preserve-unknown-fields'] && additional !== true) {
      delete value[key]; // pruning, as for a structural schema
      pruned.push(`${path}.${key}`.replace(/^\./, ''));
    }
  }
}
