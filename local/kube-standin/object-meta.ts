import type { FieldError } from './openapi-schema.js';

/**
 * ObjectMeta validation as the API server does it (k8s.io/apimachinery: validation.IsDNS1123Subdomain,
 * IsQualifiedName, IsValidLabelValue; apimachinery's ValidateAnnotations with TotalAnnotationSizeLimitB),
 * with its messages, so that a name, label or annotation a real cluster refuses is refused here too.
 */
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** apimachinery's TotalAnnotationSizeLimitB. */
export const totalAnnotationSizeLimitBytes = 256 * 1024;

const quote = (value: string) => JSON.stringify(value);

function nameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > 253) problems.push('must be no more than 253 characters');
  if (!dns1123Subdomain.test(name)) {
    problems.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return problems;
}

/** A label or annotation key: `[prefix/]name`, the prefix a DNS subdomain, the name at most 63 characters. */
function qualifiedNameProblems(key: string): string[] {
  const parts = key.split('/');
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0] ?? ''];
  if (parts.length > 2) return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'"];
  const problems: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) problems.push('prefix part must be non-empty');
    else problems.push(...nameProblems(prefix).map((problem) => `prefix part ${problem}`));
  }
  if (name === undefined || name.length === 0) problems.push('name part must be non-empty');
  else {
    if (name.length > 63) problems.push('name part must be no more than 63 characters');
    if (!qualifiedNamePart.test(name)) {
      problems.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
    }
  }
  return problems;
}

function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!labelValue.test(value)) {
    problems.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  }
  return problems;
}

/** What the API server would refuse in `metadata.name` (a given, non-empty name). */
export function nameErrors(name: string): FieldError[] {
  return nameProblems(name).map((problem) => ({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${quote(name)}: ${problem}` }));
}

/** What the API server would refuse in `metadata` (name checked separately, where a name is given). */
export function objectMetaErrors(metadata: { labels?: unknown; annotations?: unknown }): FieldError[] {
  const errors: FieldError[] = [];
  const invalid = (field: string, value: string, problem: string) => errors.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${quote(value)}: ${problem}` });
  const stringMap = (field: string, value: unknown): [string, unknown][] => {
    if (value === undefined || value === null) return [];
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors.push({ reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: must be a map of strings` });
      return [];
    }
    return Object.entries(value);
  };
  for (const [key, value] of stringMap('metadata.labels', metadata.labels)) {
    for (const problem of qualifiedNameProblems(key)) invalid('metadata.labels', key, problem);
    if (typeof value !== 'string') invalid('metadata.labels', JSON.stringify(value), 'must be a string');
    else for (const problem of labelValueProblems(value)) invalid('metadata.labels', value, problem);
  }
  let annotationBytes = 0;
  for (const [key, value] of stringMap('metadata.annotations', metadata.annotations)) {
    for (const problem of qualifiedNameProblems(key.toLowerCase())) invalid('metadata.annotations', key, problem);
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(typeof value === 'string' ? value : '');
  }
  if (annotationBytes > totalAnnotationSizeLimitBytes) {
    errors.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: `Too long: may not be more than ${totalAnnotationSizeLimitBytes} bytes` });
  }
  return errors;
}
