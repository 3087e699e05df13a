import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseWebhook } from '../../lib/alertmanager/parse-webhook.js';

/** One line of a recording (what `stormgate record` writes). */
const recordedLineSchema = z.object({
  offsetMs: z.number().finite().nonnegative(),
  /** When it arrived (record writes it); without it the clock is inferred from the alerts' times. */
  receivedAt: z.iso.datetime({ offset: true }).optional(),
  body: z.record(z.string(), z.unknown()),
});

export interface RecordedNotification {
  /** 1-based line number in the file, for messages. */
  readonly line: number;
  readonly offsetMs: number;
  readonly receivedAt?: string;
  /** The webhook body as it was sent. */
  readonly body: string;
}

export class RecordingError extends Error {
  override readonly name = 'RecordingError';
}

/** Reads a recording; a line that is not a recorded notification is refused naming its number. Sorted by offset. */
export function readRecording(path: string): RecordedNotification[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RecordingError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const notifications: RecordedNotification[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new RecordingError(`${path} line ${index + 1} is not JSON`);
    }
    const parsed = recordedLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RecordingError(`${path} line ${index + 1} is not a recorded notification: ${issue?.path.join('.') || '(line)'}: ${issue?.message ?? 'invalid'}`);
    }
    const { offsetMs, receivedAt, body } = parsed.data;
    notifications.push({ line: index + 1, offsetMs, ...(receivedAt !== undefined && { receivedAt }), body: JSON.stringify(body) });
  });
  if (notifications.length === 0) throw new RecordingError(`${path} has no notifications`);
  // When every line says when it arrived, that is the timeline (recordings appended to one file restart
  // their offsets); otherwise the offsets are.
  const arrivals = notifications.map((notification) => (notification.receivedAt === undefined ? Number.NaN : Date.parse(notification.receivedAt)));
  const earliest = arrivals.reduce((first, arrival) => Math.min(first, arrival), Number.POSITIVE_INFINITY);
  const timeline = Number.isNaN(earliest) ? notifications : notifications.map((notification, index) => ({ ...notification, offsetMs: (arrivals[index] as number) - earliest }));
  // Stable: notifications recorded at the same millisecond keep their order.
  return timeline.sort((a, b) => a.offsetMs - b.offsetMs);
}

/**
 * When the recording began (epoch ms). A line that carries `receivedAt` gives it exactly. Otherwise every
 * notification arrived after each of its alerts started and after each resolved one ended, so the latest
 * such instant less its offset is the earliest start consistent with the recording (at most group_wait early).
 */
export function recordingStartMs(notifications: readonly RecordedNotification[]): number | undefined {
  const stamped = notifications.find((notification) => notification.receivedAt !== undefined);
  if (stamped) return Date.parse(stamped.receivedAt as string) - stamped.offsetMs;
  let start: number | undefined;
  for (const notification of notifications) {
    let payload: ReturnType<typeof parseWebhook>;
    try {
      payload = parseWebhook(notification.body);
    } catch {
      continue;
    }
    for (const alert of payload.alerts) {
      const endsAt = alert.status === 'resolved' && alert.endsAt ? Date.parse(alert.endsAt) : Number.NEGATIVE_INFINITY;
      const latest = Math.max(Date.parse(alert.startsAt), endsAt) - notification.offsetMs;
      if (start === undefined || latest > start) start = latest;
    }
  }
  return start;
}
