/**
 * Backward-compatibility check between two versions of a message schema (JSON Schema draft 2020-12
 * as exported by `scripts/schemas.ts`). Consumers read old records with the newest schema
 * (upcasting), so a new version must accept every value the previous one accepted: new properties
 * optional or defaulted, no narrowed type, enum, bound, pattern or format, no object closed.
 *
 * It fails closed: every keyword has exactly one rule in KEYWORD_RULES, and a keyword without one
 * is reported as `no-compatibility-rule` rather than passed, because a keyword nobody compared can
 * hide a breaking change. `$ref` and `anyOf` are no keyword rules: they are expanded first (a
 * reference into its target, a union into its members) and the results are compared.
 *
 * Pure: no file system, no zod; the CLI and the test suite both use it.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };

/** A subschema: an object, or `true` (accepts anything) / `false` (accepts nothing). */
type Schema = JsonSchema | boolean;

export type BreakingChangeKind =
  | 'removed-property'
  | 'new-required-property'
  | 'changed-type'
  | 'narrowed-enum'
  | 'narrowed-constraint'
  | 'closed-object'
  | 'changed-default'
  | 'no-compatibility-rule';

export interface BreakingChange {
  readonly kind: BreakingChangeKind;
  /**
   * Location in the value, e.g. `/items/[]/sku`; `/` is the root, `[]` an array item, `{}` a value
   * of an additional property, `{name}` a property name.
   */
  readonly path: string;
  readonly message: string;
}

/** Every breaking change from `previous` to `next`; empty when `next` is backward compatible. */
export function findBreakingChanges(previous: JsonSchema, next: JsonSchema): BreakingChange[] {
  const comparison: Comparison = {
    previousRoot: previous,
    nextRoot: next,
    referencesInProgress: new Set(),
    changes: [],
  };
  compare(previous, next, '', comparison);
  return unique(comparison.changes);
}

/**
 * The keywords and constructs of `schema` that no rule can compare, found by comparing the schema
 * with itself: a version that uses one could not be checked against the version after it.
 */
export function findUncheckedKeywords(schema: JsonSchema): BreakingChange[] {
  return findBreakingChanges(schema, schema).filter((change) => change.kind === 'no-compatibility-rule');
}

interface Comparison {
  readonly previousRoot: JsonSchema;
  readonly nextRoot: JsonSchema;
  /** Pairs of referencing schemas being compared further up: recursion through `$ref` stops there. */
  readonly referencesInProgress: Set<string>;
  readonly changes: BreakingChange[];
}

/** Compares the keyword(s) a rule owns; `path` is the location of the two schemas in the value. */
type KeywordRule = (previous: JsonSchema, next: JsonSchema, path: string, comparison: Comparison) => void;

function report(comparison: Comparison, kind: BreakingChangeKind, path: string, message: string): void {
  comparison.changes.push({ kind, path: path === '' ? '/' : path, message });
}

function reportNoRule(comparison: Comparison, keyword: string, path: string, detail = ''): void {
  const message = `no compatibility rule for keyword ${keyword} at path ${path === '' ? '/' : path}${detail}`;
  report(comparison, 'no-compatibility-rule', path, message);
}

function compare(previous: Schema, next: Schema, path: string, comparison: Comparison): void {
  // Nothing was accepted, so nothing can be lost.
  if (previous === false) return;
  if (next === false) {
    report(comparison, 'narrowed-constraint', path, 'no value is accepted any more');
    return;
  }
  const previousSchema = previous === true ? {} : previous;
  const nextSchema = next === true ? {} : next;

  const key = '$ref' in previousSchema || '$ref' in nextSchema ? pairKey(previous, next) : undefined;
  if (key !== undefined) {
    // Assumed compatible while it is being proven further up: a recursive schema compared with
    // itself or a recursive successor terminates, and any real difference is found on the way down.
    if (comparison.referencesInProgress.has(key)) return;
    comparison.referencesInProgress.add(key);
  }
  const nextMembers = membersOf(nextSchema, comparison.nextRoot, path, comparison);
  for (const member of membersOf(previousSchema, comparison.previousRoot, path, comparison)) {
    compareWithMembers(member, nextMembers, path, comparison);
  }
  if (key !== undefined) comparison.referencesInProgress.delete(key);
}

/** Every value `previous` accepts must be accepted by one of `nextMembers` (the union `next` is). */
function compareWithMembers(
  previous: JsonSchema,
  nextMembers: readonly JsonSchema[],
  path: string,
  comparison: Comparison,
): void {
  if (nextMembers.length === 0) {
    report(comparison, 'narrowed-constraint', path, 'no value is accepted any more');
    return;
  }
  if (nextMembers.length === 1) {
    compareKeywords(previous, nextMembers[0]!, path, comparison);
    return;
  }
  let closest: BreakingChange[] | undefined;
  for (const member of nextMembers) {
    const attempt: Comparison = { ...comparison, changes: [] };
    compareKeywords(previous, member, path, attempt);
    if (attempt.changes.length === 0) return;
    if (closest === undefined || distance(attempt.changes) < distance(closest)) closest = attempt.changes;
  }
  // The member of a matching type explains the break best (a property removed from the object
  // member of a nullable object, rather than "object is not null").
  comparison.changes.push(...(closest ?? []));
}

function distance(changes: readonly BreakingChange[]): number {
  const typeChanges = changes.filter((change) => change.kind === 'changed-type').length;
  return typeChanges * 1000 + changes.length;
}

/** Runs each rule of the keywords either schema has, once; the type rule first. */
function compareKeywords(previous: JsonSchema, next: JsonSchema, path: string, comparison: Comparison): void {
  const rules = new Set<KeywordRule>();
  for (const keyword of new Set([...Object.keys(previous), ...Object.keys(next)])) {
    const rule = KEYWORD_RULES[keyword];
    if (rule) rules.add(rule);
    else reportNoRule(comparison, keyword, path);
  }
  // `enum` and `const` imply a type, so the type rule runs even when neither schema says `type`.
  if (!compareTypes(previous, next, path, comparison)) return;
  rules.delete(compareTypes);
  for (const rule of rules) rule(previous, next, path, comparison);
}

/**
 * The union a schema stands for, as members without `$ref` or `anyOf` at the top: a reference is
 * replaced by its target, a union by its members, a list of types by one member per type (so
 * `type: [string, null]` compares with `anyOf: [string, null]`). Keywords beside `$ref` or `anyOf`
 * apply to each member as well.
 */
function membersOf(schema: JsonSchema, root: JsonSchema, path: string, comparison: Comparison): JsonSchema[] {
  return expand(schema, root, path, comparison, new Set());
}

function expand(
  schema: JsonSchema,
  root: JsonSchema,
  path: string,
  comparison: Comparison,
  followed: Set<string>,
): JsonSchema[] {
  if ('$ref' in schema) {
    const { $ref: reference, ...beside } = schema;
    const target = typeof reference === 'string' ? resolve(root, reference) : undefined;
    // A reference to `false` accepts nothing, whatever stands beside it.
    if (target === false) return [];
    if (target === undefined || followed.has(String(reference))) {
      const why = followed.has(String(reference)) ? 'refers to itself' : 'is not a schema in the document';
      reportNoRule(comparison, '$ref', path, ` (target ${JSON.stringify(reference)} ${why})`);
      return [beside];
    }
    return expand(
      combine(beside, target, '$ref', path, comparison),
      root,
      path,
      comparison,
      new Set([...followed, String(reference)]),
    );
  }
  if ('anyOf' in schema) {
    const { anyOf: members, ...beside } = schema;
    if (!Array.isArray(members) || members.length === 0) {
      reportNoRule(comparison, 'anyOf', path, ' (not a non-empty list of schemas)');
      return [beside];
    }
    // A `false` member adds nothing to the union.
    return members
      .filter((member) => member !== false)
      .flatMap((member: unknown) => {
        if (member !== true && !isSchema(member)) {
          reportNoRule(comparison, 'anyOf', path, ` (member ${JSON.stringify(member)} is not a schema)`);
          return [];
        }
        return expand(combine(beside, member, 'anyOf', path, comparison), root, path, comparison, followed);
      });
  }
  if (Array.isArray(schema.type) && schema.type.length > 1) {
    return schema.type.map((type: unknown) => ({ ...schema, type }));
  }
  return [schema];
}

/**
 * Both schemas in one (what a value must satisfy to match both). Only for schemas that do not
 * constrain the same keyword: the intersection of two constraints has no rule here.
 */
function combine(
  beside: JsonSchema,
  member: JsonSchema | true,
  construct: string,
  path: string,
  comparison: Comparison,
): JsonSchema {
  if (member === true) return beside;
  const combined: Record<string, unknown> = { ...member };
  for (const [keyword, value] of Object.entries(beside)) {
    if (keyword in member && KEYWORD_RULES[keyword] !== annotation && !sameValue(member[keyword], value)) {
      reportNoRule(comparison, keyword, path, ` (set both beside ${construct} and in it)`);
    }
    combined[keyword] = value;
  }
  return combined;
}

/** Resolves a reference inside the document (`#` or a JSON pointer `#/$defs/...`). */
function resolve(root: JsonSchema, reference: string): Schema | undefined {
  if (!reference.startsWith('#')) return undefined;
  let pointer: string;
  try {
    pointer = decodeURIComponent(reference.slice(1));
  } catch {
    return undefined;
  }
  if (pointer !== '' && !pointer.startsWith('/')) return undefined;
  let current: unknown = root;
  for (const token of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const name = token.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isSchema(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return isSchema(current) || typeof current === 'boolean' ? current : undefined;
}

function pairKey(previous: Schema, next: Schema): string {
  return `${JSON.stringify(previous)}\u0000${JSON.stringify(next)}`;
}

// ---------------------------------------------------------------------------------------------
// The rules, one per keyword.

/** Describes the value or the document but does not decide what is accepted. */
const annotation: KeywordRule = () => undefined;

/** The rules are written for draft 2020-12; another dialect gives keywords other meanings. */
const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
const dialect: KeywordRule = (previous, next, path, comparison) => {
  for (const value of new Set([previous.$schema, next.$schema])) {
    if (value !== undefined && value !== DRAFT_2020_12) {
      reportNoRule(
        comparison,
        '$schema',
        path,
        ` (dialect ${JSON.stringify(value)}; rules exist for ${DRAFT_2020_12})`,
      );
    }
  }
};

/**
 * The document's id. A nested `$id` of its own would change what references below it resolve
 * against; the root's own id reappears below only where `$ref: '#'` brought the root in.
 */
const documentId: KeywordRule = (previous, next, path, comparison) => {
  const nested = [
    [previous.$id, comparison.previousRoot.$id],
    [next.$id, comparison.nextRoot.$id],
  ].some(([id, rootId]) => id !== undefined && id !== rootId);
  if (nested) reportNoRule(comparison, '$id', path, ' (a nested $id of its own)');
};

/** The `$defs` are compared where they are referenced, through the resolved `$ref`. */
const definitions: KeywordRule = () => undefined;

/** Types lost, or a type imposed on what accepted any type. False when the rest cannot be compared. */
function compareTypes(previous: JsonSchema, next: JsonSchema, path: string, comparison: Comparison): boolean {
  const previousTypes = typesOf(previous);
  const nextTypes = typesOf(next);
  if (!nextTypes) return true;
  if (!previousTypes) {
    report(comparison, 'changed-type', path, `type restricted from any to ${describeTypes(nextTypes)}`);
    return false;
  }
  if ([...previousTypes].every((type) => covers(nextTypes, type))) return true;
  report(
    comparison,
    'changed-type',
    path,
    `type changed from ${describeTypes(previousTypes)} to ${describeTypes(nextTypes)}`,
  );
  // Keywords of a different type cannot be compared meaningfully.
  return false;
}

/** `enum` and `const`: every value allowed before must still be allowed. */
const compareAllowedValues: KeywordRule = (previous, next, path, comparison) => {
  const previousValues = allowedValues(previous);
  const nextValues = allowedValues(next);
  if (!nextValues) return;
  if (!previousValues) {
    report(comparison, 'narrowed-enum', path, `values restricted to ${JSON.stringify(nextValues)}`);
    return;
  }
  const removed = previousValues.filter(
    (value) => !nextValues.some((candidate) => sameValue(candidate, value)),
  );
  if (removed.length > 0) {
    report(comparison, 'narrowed-enum', path, `allowed values removed: ${JSON.stringify(removed)}`);
  }
};

function lowerBound(keyword: string): KeywordRule {
  return (previous, next, path, comparison) => {
    const before = numberOrUndefined(previous[keyword]);
    const after = numberOrUndefined(next[keyword]);
    if (after !== undefined && (before === undefined || after > before)) {
      report(
        comparison,
        'narrowed-constraint',
        path,
        `${keyword} raised from ${before ?? 'none'} to ${after}`,
      );
    }
  };
}

function upperBound(keyword: string): KeywordRule {
  return (previous, next, path, comparison) => {
    const before = numberOrUndefined(previous[keyword]);
    const after = numberOrUndefined(next[keyword]);
    if (after !== undefined && (before === undefined || after < before)) {
      report(
        comparison,
        'narrowed-constraint',
        path,
        `${keyword} lowered from ${before ?? 'none'} to ${after}`,
      );
    }
  };
}

/** A value that must equal the previous one (or be absent now); for keywords with no order. */
function unchanged(keyword: string): KeywordRule {
  return (previous, next, path, comparison) => {
    if (next[keyword] === undefined || sameValue(previous[keyword], next[keyword])) return;
    const before = previous[keyword] === undefined ? 'none' : JSON.stringify(previous[keyword]);
    report(
      comparison,
      'narrowed-constraint',
      path,
      `${keyword} changed from ${before} to ${JSON.stringify(next[keyword])}`,
    );
  };
}

/** Whether one regular expression accepts all another accepts is undecidable here: any change counts. */
const comparePattern = unchanged('pattern');

/** Validators may assert formats; a format is a narrowing unless it stayed the same. */
const compareFormat = unchanged('format');

/** Old arrays may hold duplicates. */
const compareUniqueItems: KeywordRule = (previous, next, path, comparison) => {
  if (next.uniqueItems === true && previous.uniqueItems !== true) {
    report(comparison, 'narrowed-constraint', path, 'uniqueItems added: arrays with duplicates are rejected');
  }
};

/** Still fine when every multiple of the old divisor is a multiple of the new one (10 -> 5). */
const compareMultipleOf: KeywordRule = (previous, next, path, comparison) => {
  const before = numberOrUndefined(previous.multipleOf);
  const after = numberOrUndefined(next.multipleOf);
  if (after === undefined || (before !== undefined && isWholeMultiple(before, after))) return;
  report(comparison, 'narrowed-constraint', path, `multipleOf changed from ${before ?? 'none'} to ${after}`);
};

/** Old records that lack the property would be read with a different value. */
const compareDefault: KeywordRule = (previous, next, path, comparison) => {
  if ('default' in previous && 'default' in next && !sameValue(previous.default, next.default)) {
    report(
      comparison,
      'changed-default',
      path,
      `default changed from ${JSON.stringify(previous.default)} to ${JSON.stringify(next.default)}`,
    );
  }
};

/**
 * Each property compared with what the other version applies to that name: its own schema, or
 * else `additionalProperties` (so a property new on an open object must accept anything it held).
 */
const compareProperties: KeywordRule = (previous, next, path, comparison) => {
  const previousProperties = propertiesOf(previous);
  const nextProperties = propertiesOf(next);
  for (const name of new Set([...Object.keys(previousProperties), ...Object.keys(nextProperties)])) {
    const before = previousProperties[name] ?? additionalOf(previous);
    const after = nextProperties[name] ?? additionalOf(next);
    if (name in previousProperties && !(name in nextProperties) && after === false) {
      report(comparison, 'removed-property', `${path}/${name}`, `property '${name}' was removed`);
      continue;
    }
    compare(before, after, `${path}/${name}`, comparison);
  }
};

/** Old records do not have a newly required property unless it has a default. */
const compareRequired: KeywordRule = (previous, next, path, comparison) => {
  const previousRequired = new Set(stringArray(previous.required));
  const previousProperties = propertiesOf(previous);
  const nextProperties = propertiesOf(next);
  for (const name of stringArray(next.required)) {
    if (previousRequired.has(name)) continue;
    const schema = nextProperties[name];
    if (isSchema(schema) && 'default' in schema) continue;
    report(
      comparison,
      'new-required-property',
      `${path}/${name}`,
      name in previousProperties
        ? `property '${name}' became required without a default`
        : `new property '${name}' is required without a default`,
    );
  }
};

const compareAdditionalProperties: KeywordRule = (previous, next, path, comparison) => {
  const before = additionalOf(previous);
  const after = additionalOf(next);
  if (after === false && before !== false) {
    report(comparison, 'closed-object', path, 'the object no longer accepts additional properties');
    return;
  }
  compare(before, after, `${path}/{}`, comparison);
};

const compareItems: KeywordRule = (previous, next, path, comparison) => {
  compare(subschema(previous.items), subschema(next.items), `${path}/[]`, comparison);
};

const comparePropertyNames: KeywordRule = (previous, next, path, comparison) => {
  compare(subschema(previous.propertyNames), subschema(next.propertyNames), `${path}/{name}`, comparison);
};

/**
 * One rule per keyword the export uses; a keyword missing here is reported, not skipped. Before
 * adding one, write the rule that says when a change of it is breaking, and a test for it.
 */
const KEYWORD_RULES: Readonly<Record<string, KeywordRule>> = {
  $schema: dialect,
  $id: documentId,
  $defs: definitions,
  title: annotation,
  description: annotation,
  examples: annotation,
  $comment: annotation,
  default: compareDefault,
  type: compareTypes,
  enum: compareAllowedValues,
  const: compareAllowedValues,
  minimum: lowerBound('minimum'),
  exclusiveMinimum: lowerBound('exclusiveMinimum'),
  minLength: lowerBound('minLength'),
  minItems: lowerBound('minItems'),
  minProperties: lowerBound('minProperties'),
  maximum: upperBound('maximum'),
  exclusiveMaximum: upperBound('exclusiveMaximum'),
  maxLength: upperBound('maxLength'),
  maxItems: upperBound('maxItems'),
  maxProperties: upperBound('maxProperties'),
  multipleOf: compareMultipleOf,
  pattern: comparePattern,
  format: compareFormat,
  uniqueItems: compareUniqueItems,
  properties: compareProperties,
  required: compareRequired,
  additionalProperties: compareAdditionalProperties,
  propertyNames: comparePropertyNames,
  items: compareItems,
};

// ---------------------------------------------------------------------------------------------

/** The JSON types a schema accepts, or undefined when it accepts any type. */
function typesOf(schema: JsonSchema): Set<string> | undefined {
  if (typeof schema.type === 'string') return new Set([schema.type]);
  if (Array.isArray(schema.type))
    return new Set(schema.type.filter((t): t is string => typeof t === 'string'));
  const values = allowedValues(schema);
  if (values) return new Set(values.map(jsonTypeOf));
  return undefined;
}

/** `number` also accepts every integer. */
function covers(types: Set<string>, type: string): boolean {
  return types.has(type) || (type === 'integer' && types.has('number'));
}

/** The values `enum` and `const` allow together (both must hold when both are set). */
function allowedValues(schema: JsonSchema): unknown[] | undefined {
  const listed = Array.isArray(schema.enum) ? schema.enum : undefined;
  if (!('const' in schema)) return listed;
  if (!listed) return [schema.const];
  return listed.filter((value) => sameValue(value, schema.const));
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

function isWholeMultiple(value: number, divisor: number): boolean {
  const ratio = value / divisor;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function propertiesOf(schema: JsonSchema): Record<string, Schema> {
  return isSchema(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
}

/** What applies to properties not listed in `properties`; absent means anything. */
function additionalOf(schema: JsonSchema): Schema {
  return subschema(schema.additionalProperties);
}

function subschema(value: unknown): Schema {
  return isSchema(value) || typeof value === 'boolean' ? value : true;
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

function describeTypes(types: Set<string>): string {
  return [...types].sort().join('|');
}

function unique(changes: readonly BreakingChange[]): BreakingChange[] {
  const seen = new Set<string>();
  return changes.filter((change) => {
    const key = `${change.kind}\u0000${change.path}\u0000${change.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
