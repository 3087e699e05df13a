import * as z from 'zod/mini';

/**
 * A JSON object of strings (labels, annotations), its entries kept as they are. zod's record builds its
 * result by assignment, which turns a `__proto__` key (a legal label name, an own property after
 * JSON.parse) into a prototype change and loses the entry; Object.fromEntries defines every key.
 */
export const stringRecordSchema = z.pipe(
  z.custom<Record<string, string>>(
    (value) => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string'),
    'expected an object of strings',
  ),
  z.transform((record: Record<string, string>) => Object.fromEntries(Object.entries(record))),
);
