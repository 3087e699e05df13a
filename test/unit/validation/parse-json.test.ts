import { describe, expect, it } from '@jest/globals';
import * as z from 'zod/mini';
import { parseJsonAs } from '../../../lib/validation/parse-json.js';

describe('parseJsonAs', () => {
  const schema = z.object({ n: z.int() });
  it('returns the value when the text is JSON of the schema, undefined otherwise (no JSON, another shape)', () => {
    expect(parseJsonAs(schema, '{"n":3}')).toEqual({ n: 3 });
    expect(parseJsonAs(schema, '{"n":')).toBeUndefined();
    expect(parseJsonAs(schema, '{"n":"3"}')).toBeUndefined();
    expect(parseJsonAs(schema, 'null')).toBeUndefined();
  });
});
