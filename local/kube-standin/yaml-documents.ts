import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Every YAML document in the .yaml/.yml files of a directory (infra/k8s), as plain values; empty documents left out. */
export function readYamlDocuments(directory: string): unknown[] {
  return readdirSync(directory)
    .filter((file) => /\.ya?ml$/.test(file))
    .flatMap((file) => parseAllDocuments(readFileSync(join(directory, file), 'utf8')).map((document) => document.toJS() as unknown))
    .filter((document) => document !== null && document !== undefined);
}
