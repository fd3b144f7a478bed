import { describe, expect, it } from 'vitest';
import * as z from '../../../../lambdas/shared/events/zod';

describe('zod (zod/mini with the English locale)', () => {
  it('reports issues with the English messages of classic zod, not a bare "Invalid input"', () => {
    // Prepare
    const schema = z.strictObject({
      quantity: z.number().check(z.int(), z.gte(1)),
      email: z.email(),
      name: z.string().check(z.minLength(1)),
    });

    // Act
    const parsed = schema.safeParse({ quantity: 1.5, email: 'not-an-email', name: '', extra: true });

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      'Invalid input: expected int, received number',
      'Invalid email address',
      'Too small: expected string to have >=1 characters',
      'Unrecognized key: "extra"',
    ]);
  });

  it('prettifies an error with the path of each issue', () => {
    // Prepare
    const schema = z.strictObject({ items: z.array(z.string()).check(z.minLength(1)) });

    // Act
    const parsed = schema.safeParse({ items: [] });

    // Assess
    expect(z.prettifyError(parsed.error as z.core.$ZodError)).toBe(
      '✖ Too small: expected array to have >=1 items\n  → at items',
    );
  });
});
