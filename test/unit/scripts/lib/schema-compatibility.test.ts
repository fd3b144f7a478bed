import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type BreakingChange,
  findBreakingChanges,
  type JsonSchema,
} from '../../../../scripts/lib/schema-compatibility';
import { toJsonSchema } from '../../../../scripts/lib/schema-export';

/** Schemas go through the real export, so the comparator is tested on what it really sees. */
function exported(schema: z.ZodType): JsonSchema {
  return toJsonSchema(schema, 'urn:test', 'test');
}

function kinds(changes: BreakingChange[]): string[] {
  return changes.map((change) => `${change.kind} ${change.path}`);
}

const base = z
  .object({
    customerId: z.string().min(1),
    total: z.number().int().nonnegative(),
    currency: z.enum(['EUR', 'USD', 'GBP']),
    items: z
      .array(z.object({ sku: z.string(), quantity: z.number().int().min(1).max(100) }).strict())
      .max(50),
    note: z.string().optional(),
  })
  .strict();

describe('findBreakingChanges: compatible changes pass', () => {
  it.each([
    ['an identical schema', base],
    ['a new optional property', base.extend({ channel: z.enum(['web', 'app']).optional() })],
    ['a new property with a default', base.extend({ channel: z.enum(['web', 'app']).default('web') })],
    ['a widened enum', base.extend({ currency: z.enum(['EUR', 'USD', 'GBP', 'CHF']) })],
    ['a required property made optional', base.extend({ customerId: z.string().min(1).optional() })],
    ['an integer widened to number', base.extend({ total: z.number().nonnegative() })],
    ['a raised upper bound', base.extend({ items: base.shape.items.max(100) })],
    ['a type widened to a union', base.extend({ note: z.union([z.string(), z.number()]).optional() })],
    [
      'a nested optional property',
      base.extend({
        items: z
          .array(
            z
              .object({
                sku: z.string(),
                quantity: z.number().int().min(1).max(100),
                gift: z.boolean().optional(),
              })
              .strict(),
          )
          .max(50),
      }),
    ],
  ])('%s', (_label, next) => {
    // Act
    const changes = findBreakingChanges(exported(base), exported(next));

    // Assess
    expect(changes).toEqual([]);
  });

  it('passes the real OrderPlaced v1 -> v2 step (channel defaults to web)', () => {
    // Prepare
    const v1 = z.object({ customerId: z.string() }).strict();
    const v2 = v1.extend({ channel: z.enum(['web', 'app', 'marketplace']).default('web') });

    // Act
    const changes = findBreakingChanges(exported(v1), exported(v2));

    // Assess
    expect(changes).toEqual([]);
  });
});

describe('findBreakingChanges: breaking changes are caught', () => {
  it('a removed property', () => {
    // Prepare
    const next = base.omit({ note: true });

    // Act
    const changes = findBreakingChanges(exported(base), exported(next));

    // Assess
    expect(changes).toEqual([
      { kind: 'removed-property', path: '/note', message: "property 'note' was removed" },
    ]);
  });

  it('a new required property without a default', () => {
    // Prepare
    const next = base.extend({ channel: z.enum(['web', 'app']) });

    // Act
    const changes = findBreakingChanges(exported(base), exported(next));

    // Assess
    expect(changes).toEqual([
      {
        kind: 'new-required-property',
        path: '/channel',
        message: "new property 'channel' is required without a default",
      },
    ]);
  });

  it('an optional property made required', () => {
    // Prepare
    const next = base.extend({ note: z.string() });

    // Act
    const changes = findBreakingChanges(exported(base), exported(next));

    // Assess
    expect(kinds(changes)).toEqual(['new-required-property /note']);
    expect(changes[0]?.message).toContain('became required');
  });

  it('a changed type', () => {
    // Prepare
    const next = base.extend({ total: z.string() });

    // Act
    const changes = findBreakingChanges(exported(base), exported(next));

    // Assess
    expect(kinds(changes)).toEqual(['changed-type /total']);
    expect(changes[0]?.message).toBe('type changed from integer to string');
  });

  it('a number narrowed to an integer', () => {
    // Prepare
    const previous = z.object({ rate: z.number() });
    const next = z.object({ rate: z.number().int() });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(kinds(changes)).toContain('changed-type /rate');
  });

  it('a narrowed enum', () => {
    // Prepare
    const next = base.extend({ currency: z.enum(['EUR', 'USD']) });

    // Act
    const changes = findBreakingChanges(exported(base), exported(next));

    // Assess
    expect(changes).toEqual([
      { kind: 'narrowed-enum', path: '/currency', message: 'allowed values removed: ["GBP"]' },
    ]);
  });

  it('a free string restricted to an enum', () => {
    // Prepare
    const next = base.extend({ customerId: z.enum(['a', 'b']) });

    // Act
    const changes = findBreakingChanges(exported(base), exported(next));

    // Assess
    expect(kinds(changes)).toContain('narrowed-enum /customerId');
  });

  it('a change deep inside array items', () => {
    // Prepare
    const next = base.extend({
      items: z
        .array(z.object({ sku: z.number(), quantity: z.number().int().min(1).max(100) }).strict())
        .max(50),
    });

    // Act
    const changes = findBreakingChanges(exported(base), exported(next));

    // Assess
    expect(kinds(changes)).toEqual(['changed-type /items/[]/sku']);
  });

  it('tightened bounds and a changed pattern', () => {
    // Prepare
    const previous = z.object({
      code: z
        .string()
        .regex(/^[A-Z]+$/)
        .max(10),
      n: z.number().min(0),
    });
    const next = z.object({
      code: z
        .string()
        .regex(/^[A-Z]{2}$/)
        .max(5),
      n: z.number().min(1),
    });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(kinds(changes)).toEqual([
      'narrowed-constraint /code',
      'narrowed-constraint /code',
      'narrowed-constraint /n',
    ]);
  });

  it('an object closed to additional properties', () => {
    // Prepare
    const previous = z.looseObject({ a: z.string() });
    const next = z.strictObject({ a: z.string() });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(kinds(changes)).toEqual(['closed-object /']);
  });

  it('a narrowed record value type', () => {
    // Prepare
    const previous = z.object({ variables: z.record(z.string(), z.union([z.string(), z.number()])) });
    const next = z.object({ variables: z.record(z.string(), z.string()) });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(kinds(changes)).toEqual(['changed-type /variables/{}']);
  });

  it('an unconstrained value restricted to a type', () => {
    // Prepare
    const previous = z.object({ data: z.unknown() });
    const next = z.object({ data: z.string() });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(kinds(changes)).toEqual(['changed-type /data']);
  });

  it('a const changed', () => {
    // Prepare
    const previous = z.object({ kind: z.literal('a') });
    const next = z.object({ kind: z.literal('b') });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(kinds(changes)).toEqual(['narrowed-enum /kind']);
  });
});
