import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type BreakingChange,
  findBreakingChanges,
  findUncheckedKeywords,
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

describe('findBreakingChanges: unions, references and array and number constraints', () => {
  const address = z.strictObject({ city: z.string(), line2: z.string().optional() });

  it('a property removed inside a nullable object (anyOf)', () => {
    // Prepare
    const previous = z.strictObject({ billing: address.nullable() });
    const next = z.strictObject({ billing: address.omit({ line2: true }).nullable() });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(changes).toEqual([
      { kind: 'removed-property', path: '/billing/line2', message: "property 'line2' was removed" },
    ]);
  });

  it('a nullable object made non-nullable', () => {
    // Prepare
    const previous = z.strictObject({ billing: address.nullable() });
    const next = z.strictObject({ billing: address });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(changes).toEqual([
      { kind: 'changed-type', path: '/billing', message: 'type changed from null to object' },
    ]);
  });

  it('passes an object made nullable and a nullable object given a new optional property', () => {
    // Prepare
    const previous = z.strictObject({ billing: address, shipping: address.nullable() });
    const next = z.strictObject({
      billing: address.nullable(),
      shipping: address.extend({ floor: z.number().int().optional() }).nullable(),
    });

    // Act
    const changes = findBreakingChanges(exported(previous), exported(next));

    // Assess
    expect(changes).toEqual([]);
  });

  it('passes a list of types split into a union of the same types', () => {
    // Prepare
    const previous: JsonSchema = { type: ['string', 'null'] };
    const next: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'null' }] };

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([]);
  });

  it('a changed $ref target', () => {
    // Prepare
    const street = z.strictObject({ city: z.string() }).meta({ id: 'StreetAddress' });
    const pickup = z.strictObject({ storeId: z.string() }).meta({ id: 'PickupPoint' });
    const previous = exported(z.strictObject({ deliverTo: street }));
    const next = exported(z.strictObject({ deliverTo: pickup }));

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(previous.properties).toEqual({ deliverTo: { $ref: '#/$defs/StreetAddress' } });
    expect(next.properties).toEqual({ deliverTo: { $ref: '#/$defs/PickupPoint' } });
    expect(kinds(changes)).toEqual([
      'removed-property /deliverTo/city',
      'new-required-property /deliverTo/storeId',
    ]);
  });

  it('a breaking change inside a definition referenced by an unchanged $ref', () => {
    // Prepare
    const previous: JsonSchema = {
      properties: { deliverTo: { $ref: '#/$defs/Address' } },
      $defs: { Address: { type: 'object', properties: { city: { type: 'string' } } } },
    };
    const next: JsonSchema = {
      properties: { deliverTo: { $ref: '#/$defs/Address' } },
      $defs: { Address: { type: 'object', properties: { city: { type: 'integer' } } } },
    };

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(kinds(changes)).toEqual(['changed-type /deliverTo/city']);
  });

  it('passes a $ref retargeted to an equal definition (what is accepted did not change)', () => {
    // Prepare
    const definition = { type: 'object', properties: { city: { type: 'string' } } };
    const previous: JsonSchema = { properties: { a: { $ref: '#/$defs/Old' } }, $defs: { Old: definition } };
    const next: JsonSchema = { properties: { a: { $ref: '#/$defs/New' } }, $defs: { New: definition } };

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([]);
  });

  it('a change deep inside a recursive schema, and a recursive schema compared with itself passes', () => {
    // Prepare
    type Category = { name: string; children: Category[] };
    const before: z.ZodType<Category> = z.lazy(() =>
      z.strictObject({ name: z.string(), children: z.array(before) }),
    );
    const after: z.ZodType<Category> = z.lazy(() =>
      z.strictObject({ name: z.string().max(20), children: z.array(after) }),
    );

    // Act
    const itself = findBreakingChanges(exported(before), exported(before));
    const changes = findBreakingChanges(exported(before), exported(after));

    // Assess
    expect(itself).toEqual([]);
    expect(kinds(changes)).toEqual(['narrowed-constraint /children/[]/name', 'narrowed-constraint /name']);
  });

  it('an added uniqueItems', () => {
    // Prepare
    const previous: JsonSchema = { type: 'array', items: { type: 'string' } };
    const next: JsonSchema = { type: 'array', items: { type: 'string' }, uniqueItems: true };

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([
      {
        kind: 'narrowed-constraint',
        path: '/',
        message: 'uniqueItems added: arrays with duplicates are rejected',
      },
    ]);
  });

  it('passes a removed uniqueItems', () => {
    // Act
    const changes = findBreakingChanges({ type: 'array', uniqueItems: true }, { type: 'array' });

    // Assess
    expect(changes).toEqual([]);
  });

  it.each([
    ['added', undefined, 5],
    ['made coarser', 5, 10],
    ['changed to a divisor that does not divide the old one', 4, 3],
  ])('a multipleOf %s', (_label, before, after) => {
    // Prepare
    const previous = exported(z.object({ amount: before ? z.number().multipleOf(before) : z.number() }));
    const next = exported(z.object({ amount: z.number().multipleOf(after) }));

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([
      {
        kind: 'narrowed-constraint',
        path: '/amount',
        message: `multipleOf changed from ${before ?? 'none'} to ${after}`,
      },
    ]);
  });

  it('passes a multipleOf made finer (every multiple of 10 is a multiple of 5) or removed', () => {
    // Prepare
    const previous = exported(z.object({ a: z.number().multipleOf(10), b: z.number().multipleOf(0.5) }));
    const next = exported(z.object({ a: z.number().multipleOf(5), b: z.number() }));

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([]);
  });

  it('an added or changed format', () => {
    // Prepare
    const previous = exported(z.object({ contact: z.string(), placedAt: z.iso.date() }));
    const next = exported(z.object({ contact: z.email(), placedAt: z.iso.datetime() }));

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toContainEqual({
      kind: 'narrowed-constraint',
      path: '/contact',
      message: 'format changed from none to "email"',
    });
    expect(changes).toContainEqual({
      kind: 'narrowed-constraint',
      path: '/placedAt',
      message: 'format changed from "date" to "date-time"',
    });
  });

  it('a changed default (old records without the property would read differently)', () => {
    // Prepare
    const previous = exported(z.object({ channel: z.enum(['web', 'app']).default('web') }));
    const next = exported(z.object({ channel: z.enum(['web', 'app']).default('app') }));

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([
      { kind: 'changed-default', path: '/channel', message: 'default changed from "web" to "app"' },
    ]);
  });

  it('a new property on an open object, where old records may have carried any value under its name', () => {
    // Prepare
    const previous = exported(z.looseObject({ a: z.string() }));
    const next = exported(z.looseObject({ a: z.string(), b: z.string().optional() }));

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([
      { kind: 'changed-type', path: '/b', message: 'type restricted from any to string' },
    ]);
  });

  it('a narrowed property name type', () => {
    // Prepare
    const previous = exported(z.object({ tags: z.record(z.string(), z.string()) }));
    const next = exported(z.object({ tags: z.record(z.string().max(8), z.string()) }));

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([
      { kind: 'narrowed-constraint', path: '/tags/{name}', message: 'maxLength lowered from none to 8' },
    ]);
  });
});

describe('findBreakingChanges fails closed on what it has no rule for', () => {
  it.each([
    ['a tuple', z.object({ pair: z.tuple([z.string(), z.number()]) }), 'prefixItems', '/pair'],
    [
      'a discriminated union',
      z.object({
        payment: z.discriminatedUnion('method', [
          z.object({ method: z.literal('card') }),
          z.object({ method: z.literal('invoice') }),
        ]),
      }),
      'oneOf',
      '/payment',
    ],
    ['a property that can never be set', z.object({ legacy: z.never().optional() }), 'not', '/legacy'],
  ])('%s, even compared with itself', (_label, schema, keyword, path) => {
    // Act
    const changes = findBreakingChanges(exported(schema), exported(schema));

    // Assess
    expect(changes).toContainEqual({
      kind: 'no-compatibility-rule',
      path,
      message: `no compatibility rule for keyword ${keyword} at path ${path}`,
    });
  });

  it('a keyword only the next version has', () => {
    // Prepare
    const previous: JsonSchema = { type: 'object', properties: { card: { type: 'string' } } };
    const next: JsonSchema = { ...previous, dependentRequired: { card: ['cvc'] } };

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(changes).toEqual([
      {
        kind: 'no-compatibility-rule',
        path: '/',
        message: 'no compatibility rule for keyword dependentRequired at path /',
      },
    ]);
  });

  it('a keyword only the previous version has', () => {
    // Prepare
    const previous: JsonSchema = { type: 'object', patternProperties: { '^x-': { type: 'string' } } };
    const next: JsonSchema = { type: 'object' };

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(kinds(changes)).toEqual(['no-compatibility-rule /']);
    expect(changes[0]?.message).toContain('patternProperties');
  });

  it('a keyword without a rule is reported even where the type changed', () => {
    // Prepare
    const previous: JsonSchema = { properties: { a: { type: 'string', contentEncoding: 'base64' } } };
    const next: JsonSchema = { properties: { a: { type: 'number' } } };

    // Act
    const changes = findBreakingChanges(previous, next);

    // Assess
    expect(kinds(changes)).toEqual(['no-compatibility-rule /a', 'changed-type /a']);
  });

  it('another dialect, a reference out of the document and one to nothing', () => {
    // Prepare
    const schema: JsonSchema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      properties: {
        remote: { $ref: 'https://example.com/address.json' },
        dangling: { $ref: '#/$defs/Missing' },
      },
    };

    // Act
    const changes = findUncheckedKeywords(schema);

    // Assess
    expect(kinds(changes)).toEqual([
      'no-compatibility-rule /',
      'no-compatibility-rule /remote',
      'no-compatibility-rule /dangling',
    ]);
    expect(changes.map((change) => change.message)).toEqual([
      'no compatibility rule for keyword $schema at path / (dialect "http://json-schema.org/draft-07/schema#"; rules exist for https://json-schema.org/draft/2020-12/schema)',
      'no compatibility rule for keyword $ref at path /remote (target "https://example.com/address.json" is not a schema in the document)',
      'no compatibility rule for keyword $ref at path /dangling (target "#/$defs/Missing" is not a schema in the document)',
    ]);
  });

  it('a keyword set both beside anyOf and in a member (their intersection has no rule)', () => {
    // Prepare
    const schema: JsonSchema = { maxLength: 5, anyOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }] };

    // Act
    const changes = findUncheckedKeywords(schema);

    // Assess
    expect(changes).toEqual([
      {
        kind: 'no-compatibility-rule',
        path: '/',
        message: 'no compatibility rule for keyword maxLength at path / (set both beside anyOf and in it)',
      },
    ]);
  });

  it('finds nothing unchecked in a schema that uses only keywords with rules', () => {
    // Act
    const changes = findUncheckedKeywords(exported(base));

    // Assess
    expect(changes).toEqual([]);
  });
});
