/** RFC 7386 JSON merge patch and RFC 6902 JSON patch, as kube-apiserver applies them to custom resources. */

export class PatchError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function resolveParent(document: unknown, tokens: string[]): { parent: unknown; key: string } {
  let parent = document;
  for (const token of tokens.slice(0, -1)) {
    parent = (parent as Record<string, unknown>)?.[token];
    if (typeof parent !== 'object' || parent === null) throw new PatchError(`path /${tokens.join('/')} does not exist`);
  }
  const key = tokens.at(-1);
  if (key === undefined) throw new PatchError('cannot patch the document root');
  return { parent, key };
}

function readPointer(document: unknown, pointer: string): unknown {
  let current = document;
  for (const token of parsePointer(pointer)) {
    if (typeof current !== 'object' || current === null || !(token in current)) {
      throw new PatchError(`path ${pointer} does not exist`);
    }
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}

function addAt(document: unknown, pointer: string, value: unknown): void {
  const { parent, key } = resolveParent(document, parsePointer(pointer));
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new PatchError(`index ${key} out of range`);
    parent.splice(index, 0, value);
  } else {
    (parent as Record<string, unknown>)[key] = value;
  }
}

function removeAt(document: unknown, pointer: string): void {
  readPointer(document, pointer);
  const { parent, key } = resolveParent(document, parsePointer(pointer));
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete (parent as Record<string, unknown>)[key];
}

export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  const document = structuredClone(target);
  for (const operation of operations as JsonPatchOperation[]) {
    switch (operation.op) {
      case 'add':
        addAt(document, operation.path, structuredClone(operation.value));
        break;
      case 'remove':
        removeAt(document, operation.path);
        break;
      case 'replace':
        removeAt(document, operation.path);
        addAt(document, operation.path, structuredClone(operation.value));
        break;
      case 'move': {
        const moved = readPointer(document, operation.from ?? '');
        removeAt(document, operation.from ?? '');
        addAt(document, operation.path, moved);
        break;
      }
      case 'copy':
        addAt(document, operation.path, structuredClone(readPointer(document, operation.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(readPointer(document, operation.path)) !== JSON.stringify(operation.value)) {
          throw new PatchError(`test operation failed at ${operation.path}`);
        }
        break;
      default:
        throw new PatchError(`unsupported JSON patch operation ${JSON.stringify((operation as { op: unknown }).op)}`);
    }
  }
  return document;
}
