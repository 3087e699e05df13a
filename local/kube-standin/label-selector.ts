/** Kubernetes label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`. */
export type LabelPredicate = (labels: Record<string, string>) => boolean;

function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

function parseRequirement(requirement: string): LabelPredicate {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(requirement);
  if (set?.[1] && set[2] && set[3] !== undefined) {
    const [key, operator] = [set[1], set[2]];
    const values = set[3].split(',').map((value) => value.trim());
    return operator === 'in'
      ? (labels) => labels[key] !== undefined && values.includes(labels[key])
      : (labels) => labels[key] === undefined || !values.includes(labels[key]);
  }
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(requirement);
  if (equality?.[1] && equality[2]) {
    const [key, operator, value] = [equality[1], equality[2], equality[3] ?? ''];
    return operator === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  if (/^![^\s!=]+$/.test(requirement)) return (labels) => labels[requirement.slice(1)] === undefined;
  if (/^[^\s!=]+$/.test(requirement)) return (labels) => labels[requirement] !== undefined;
  throw new Error(`unable to parse requirement: ${JSON.stringify(requirement)}`);
}

export function parseLabelSelector(selector: string | null): LabelPredicate {
  if (selector === null || selector.trim() === '') return () => true;
  const predicates = splitRequirements(selector).map(parseRequirement);
  return (labels) => predicates.every((predicate) => predicate(labels));
}
