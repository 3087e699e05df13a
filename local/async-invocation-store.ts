import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const queuedInvocationSchema = z.object({
  id: z.string().min(1),
  functionName: z.string().min(1),
  payload: z.unknown(),
  /** Attempts started so far: one that a killed process left unfinished counts. */
  attempts: z.number().int().nonnegative(),
  queuedAt: z.string(),
});
export type QueuedInvocation = z.infer<typeof queuedInvocationSchema>;

/** The record Lambda sends an async invocation's on-failure destination (the deployed SQS dead-letter queues hold these). */
const deadLetterSchema = z.object({
  version: z.literal('1.0'),
  timestamp: z.string(),
  requestContext: z.object({
    requestId: z.string().min(1),
    functionArn: z.string().min(1),
    condition: z.enum(['RetriesExhausted', 'EventAgeExceeded']),
    approximateInvokeCount: z.number().int().positive(),
  }),
  requestPayload: z.unknown(),
  responseContext: z.object({ statusCode: z.number().int(), executedVersion: z.string(), functionError: z.string() }),
  responsePayload: z.object({ errorType: z.string(), errorMessage: z.string() }),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

/** The ARN Lambda would give a function of this name; the local runtime's account is all zeros. */
export const localFunctionArn = (functionName: string) => `arn:aws:lambda:local:000000000000:function:${functionName}`;

/** The function a dead letter's ARN names. */
export const functionNameOf = (deadLetter: DeadLetter) => deadLetter.requestContext.functionArn.split(':function:').pop()?.split(':')[0] ?? '';

function parseJson<T>(text: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const fileNamePattern = /^[A-Za-z0-9-]+\.json$/;

/**
 * The local runtime's async invocation queue and dead-letter store, in a directory: one JSON file per queued
 * invocation (`queued/`) and per dead letter (`dead-letters/`), each written whole to a temporary name and
 * renamed, so a process killed at any moment leaves a file whole or absent. An invocation is on disk before
 * the invoke API answers 202, and leaves only once it succeeded or became a dead letter: a process killed
 * mid-invocation runs it again when it starts (survives the process, not a power loss: no fsync).
 * A file that does not parse is moved to `unreadable/` and reported, never dropped silently.
 */
export class AsyncInvocationStore {
  private readonly queuedDirectory: string;
  private readonly deadLetterDirectory: string;
  private readonly unreadableDirectory: string;

  private constructor(readonly directory: string) {
    this.queuedDirectory = join(directory, 'queued');
    this.deadLetterDirectory = join(directory, 'dead-letters');
    this.unreadableDirectory = join(directory, 'unreadable');
  }

  static async open(directory: string): Promise<AsyncInvocationStore> {
    const store = new AsyncInvocationStore(directory);
    for (const path of [store.queuedDirectory, store.deadLetterDirectory, store.unreadableDirectory]) {
      await mkdir(path, { recursive: true });
      // A process killed between writing and renaming left its temporary file: the record it held is the old one.
      for (const name of await readdir(path)) if (name.endsWith('.tmp')) await rm(join(path, name), { force: true });
    }
    return store;
  }

  /** Stores a new invocation with its first attempt already counted (it starts at once; a kill during it counts). */
  async enqueue(functionName: string, payload: unknown): Promise<QueuedInvocation> {
    const invocation: QueuedInvocation = { id: randomUUID(), functionName, payload, attempts: 1, queuedAt: new Date().toISOString() };
    await this.write(this.queuedDirectory, invocation.id, invocation);
    return invocation;
  }

  /** Records that an attempt starts, before it runs. */
  async recordAttempt(invocation: QueuedInvocation): Promise<void> {
    await this.write(this.queuedDirectory, invocation.id, invocation);
  }

  async complete(id: string): Promise<void> {
    await rm(join(this.queuedDirectory, `${id}.json`), { force: true });
  }

  /** Moves a queued invocation to the dead letters, with the error of its last attempt. */
  async deadLetter(invocation: QueuedInvocation, error: { name: string; message: string }): Promise<DeadLetter> {
    // Already written by a process that stopped before it removed the queued file: keep its real error.
    const written = parseJson(await readFile(join(this.deadLetterDirectory, `${invocation.id}.json`), 'utf8').catch(() => ''), deadLetterSchema);
    if (written) {
      await this.complete(invocation.id);
      return written;
    }
    const deadLetter: DeadLetter = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId: invocation.id, functionArn: localFunctionArn(invocation.functionName), condition: 'RetriesExhausted', approximateInvokeCount: invocation.attempts },
      requestPayload: invocation.payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: error.name, errorMessage: error.message },
    };
    await this.write(this.deadLetterDirectory, invocation.id, deadLetter);
    await this.complete(invocation.id);
    return deadLetter;
  }

  /** What a previous process left queued, oldest first. */
  async queued(): Promise<{ readonly invocations: QueuedInvocation[]; readonly unreadable: string[] }> {
    const { records, unreadable } = await this.readAll(this.queuedDirectory, queuedInvocationSchema);
    return { invocations: records.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt)), unreadable };
  }

  /** The dead letters, oldest first. */
  async deadLetters(): Promise<{ readonly deadLetters: DeadLetter[]; readonly unreadable: string[] }> {
    const { records, unreadable } = await this.readAll(this.deadLetterDirectory, deadLetterSchema);
    return { deadLetters: records.sort((a, b) => a.timestamp.localeCompare(b.timestamp)), unreadable };
  }

  /** Forgets a dead letter (after it was redriven); false when there was none with that request id. */
  async removeDeadLetter(requestId: string): Promise<boolean> {
    if (!fileNamePattern.test(`${requestId}.json`)) return false;
    return rm(join(this.deadLetterDirectory, `${requestId}.json`)).then(
      () => true,
      () => false,
    );
  }

  private async write(directory: string, id: string, record: unknown): Promise<void> {
    const path = join(directory, `${id}.json`);
    const temporary = join(directory, `.${id}.${process.pid}.tmp`);
    await writeFile(temporary, JSON.stringify(record));
    await rename(temporary, path);
  }

  private async readAll<T>(directory: string, schema: z.ZodType<T>): Promise<{ records: T[]; unreadable: string[] }> {
    const records: T[] = [];
    const unreadable: string[] = [];
    for (const name of await readdir(directory)) {
      if (!fileNamePattern.test(name)) continue;
      const path = join(directory, name);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      // Gone since the listing (completed meanwhile): nothing to read.
      if (text === undefined) continue;
      const parsed = parseJson(text, schema);
      if (parsed !== undefined) {
        records.push(parsed);
      } else {
        const kept = join(this.unreadableDirectory, `${Date.now()}-${name}`);
        await rename(path, kept).catch(() => undefined);
        unreadable.push(kept);
      }
    }
    return { records, unreadable };
  }
}
