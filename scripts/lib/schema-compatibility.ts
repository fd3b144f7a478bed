/**
 * Backward-compatibility check between two versions of a message schema (JSON Schema as exported
 * by `scripts/schemas.ts`). Consumers read old records with the newest schema (upcasting), so a new
 * version must accept everything the previous one accepted:
 * - no property removed (the objects are closed, so old records carrying it would be rejected);
 * - no property newly required without a default (old records do not have it);
 * - no changed type, no narrowed enum or const, no tightened bounds or changed pattern;
 * - no object closed that used to accept extra properties.
 * Pure: no file system, no zod; the CLI and the test suite both use it.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };

export type BreakingChangeKind =
  | 'removed-property'
  | 'new-required-property'
  | 'changed-type'
  | 'narrowed-enum'
  | 'narrowed-constraint'
  | 'closed-object';

export interface BreakingChange {
  readonly kind: BreakingChangeKind;
  /** JSON-pointer-like location, e.g. `/items/[]/sku`; `/` is the root. */
  readonly path: string;
  readonly message: string;
}

/** Every breaking change from `previous` to `next`; empty when `next` is backward compatible. */
export function findBreakingChanges(previous: JsonSchema, next: JsonSchema): BreakingChange[] {
  const changes: BreakingChange[] = [];
  compare(previous, next, '', changes);
  return changes;
}

function compare(previous: JsonSchema, next: JsonSchema, path: string, changes: BreakingChange[]): void {
  const at = path === '' ? '/' : path;
  const add = (kind: BreakingChangeKind, message: string) => changes.push({ kind, path: at, message });

  const previousTypes = typesOf(previous);
  const nextTypes = typesOf(next);
  if (previousTypes && nextTypes) {
    const lost = [...previousTypes].filter((type) => !covers(nextTypes, type));
    if (lost.length > 0) {
      add('changed-type', `type changed from ${describe(previousTypes)} to ${describe(nextTypes)}`);
      // Keywords of a different type cannot be compared meaningfully.
      return;
    }
  } else if (!previousTypes && nextTypes) {
    add('changed-type', `type restricted from any to ${describe(nextTypes)}`);
    return;
  }

  compareEnums(previous, next, add);
  compareBounds(previous, next, add);
  compareObjects(previous, next, path, changes, add);

  if (isSchema(previous.items) && isSchema(next.items)) {
    compare(previous.items, next.items, `${path}/[]`, changes);
  }
}

function compareEnums(
  previous: JsonSchema,
  next: JsonSchema,
  add: (kind: BreakingChangeKind, m: string) => void,
) {
  const previousValues = allowedValues(previous);
  const nextValues = allowedValues(next);
  if (!nextValues) return;
  if (!previousValues) {
    add('narrowed-enum', `values restricted to ${JSON.stringify(nextValues)}`);
    return;
  }
  const removed = previousValues.filter(
    (value) => !nextValues.some((candidate) => sameValue(candidate, value)),
  );
  if (removed.length > 0) {
    add('narrowed-enum', `allowed values removed: ${JSON.stringify(removed)}`);
  }
}

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;

function compareBounds(
  previous: JsonSchema,
  next: JsonSchema,
  add: (kind: BreakingChangeKind, m: string) => void,
) {
  for (const keyword of LOWER_BOUNDS) {
    const before = numberOrUndefined(previous[keyword]);
    const after = numberOrUndefined(next[keyword]);
    if (after !== undefined && (before === undefined || after > before)) {
      add('narrowed-constraint', `${keyword} raised from ${before ?? 'none'} to ${after}`);
    }
  }
  for (const keyword of UPPER_BOUNDS) {
    const before = numberOrUndefined(previous[keyword]);
    const after = numberOrUndefined(next[keyword]);
    if (after !== undefined && (before === undefined || after < before)) {
      add('narrowed-constraint', `${keyword} lowered from ${before ?? 'none'} to ${after}`);
    }
  }
  // Whether one regular expression accepts all another accepts is undecidable here: any change counts.
  if (next.pattern !== undefined && next.pattern !== previous.pattern) {
    add(
      'narrowed-constraint',
      `pattern changed from ${JSON.stringify(previous.pattern)} to ${JSON.stringify(next.pattern)}`,
    );
  }
}

function compareObjects(
  previous: JsonSchema,
  next: JsonSchema,
  path: string,
  changes: BreakingChange[],
  add: (kind: BreakingChangeKind, m: string) => void,
): void {
  const previousProperties = propertiesOf(previous);
  const nextProperties = propertiesOf(next);
  const previousRequired = new Set(stringArray(previous.required));

  for (const [name, schema] of Object.entries(previousProperties)) {
    const counterpart = nextProperties[name];
    if (counterpart === undefined) {
      changes.push({
        kind: 'removed-property',
        path: `${path}/${name}`,
        message: `property '${name}' was removed`,
      });
      continue;
    }
    compare(schema, counterpart, `${path}/${name}`, changes);
  }

  for (const name of stringArray(next.required)) {
    if (previousRequired.has(name)) continue;
    const schema = nextProperties[name];
    if (schema && 'default' in schema) continue;
    const existed = name in previousProperties;
    changes.push({
      kind: 'new-required-property',
      path: `${path}/${name}`,
      message: existed
        ? `property '${name}' became required without a default`
        : `new property '${name}' is required without a default`,
    });
  }

  if (
    next.additionalProperties === false &&
    previous.additionalProperties !== false &&
    previous.type === 'object'
  ) {
    add('closed-object', 'the object no longer accepts additional properties');
  }
  if (isSchema(previous.additionalProperties) && isSchema(next.additionalProperties)) {
    compare(previous.additionalProperties, next.additionalProperties, `${path}/{}`, changes);
  }
}

/** The JSON types a schema accepts, or undefined when it accepts any type. */
function typesOf(schema: JsonSchema): Set<string> | undefined {
  if (typeof schema.type === 'string') return new Set([schema.type]);
  if (Array.isArray(schema.type))
    return new Set(schema.type.filter((t): t is string => typeof t === 'string'));
  const members = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
  if (members) {
    const union = new Set<string>();
    for (const member of members) {
      const types = isSchema(member) ? typesOf(member) : undefined;
      if (!types) return undefined;
      for (const type of types) union.add(type);
    }
    return union;
  }
  const values = allowedValues(schema);
  if (values) return new Set(values.map(jsonTypeOf));
  return undefined;
}

/** `number` also accepts every integer. */
function covers(types: Set<string>, type: string): boolean {
  return types.has(type) || (type === 'integer' && types.has('number'));
}

function allowedValues(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  if ('const' in schema) return [schema.const];
  return undefined;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  return isSchema(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function describe(types: Set<string>): string {
  return [...types].sort().join('|');
}
