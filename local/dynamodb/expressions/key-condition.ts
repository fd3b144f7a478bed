/**
 * A KeyConditionExpression reduced to what a Query can seek with: `=` on the partition key and at
 * most one of =, <, <=, >, >=, BETWEEN, begins_with on the sort key, joined by AND.
 */
import { ValidationError } from '../errors';
import type { KeyAttribute, KeySchema } from '../table';
import { type AttributeValue, typeOf } from '../values';
import type { Condition, Operand } from './parser';

export type RangeCondition =
  | { readonly op: '=' | '<' | '<=' | '>' | '>='; readonly value: AttributeValue }
  | { readonly op: 'between'; readonly low: AttributeValue; readonly high: AttributeValue }
  | { readonly op: 'begins_with'; readonly prefix: AttributeValue };

export interface KeyCondition {
  readonly hash: AttributeValue;
  readonly range?: RangeCondition;
}

export function keyConditionOf(condition: Condition, schema: KeySchema): KeyCondition {
  const parts = condition.kind === 'and' ? [condition.left, condition.right] : [condition];
  if (parts.some((part) => part.kind === 'and')) throw invalid('Conditions can be of length 1 or 2 only');
  let hash: AttributeValue | undefined;
  let range: RangeCondition | undefined;
  for (const part of parts) {
    const { name, condition: parsed } = keyPart(part);
    if (name === schema.hash.name && parsed.op === '=') {
      if (hash !== undefined) throw new ValidationError('Query key condition not supported');
      hash = checked(parsed.value, schema.hash);
    } else if (name === schema.range?.name && range === undefined) {
      range = checkedRange(parsed, schema.range);
    } else {
      throw new ValidationError('Query key condition not supported');
    }
  }
  if (hash === undefined) {
    throw new ValidationError(`Query condition missed key schema element: ${schema.hash.name}`);
  }
  return { hash, range };
}

function keyPart(part: Condition): { name: string; condition: RangeCondition } {
  switch (part.kind) {
    case 'compare':
      if (part.comparator === '<>') throw invalid('Unsupported operator on KeyCondition: <>');
      return {
        name: attributeName(part.left),
        condition: { op: part.comparator, value: literal(part.right) },
      };
    case 'between':
      return {
        name: attributeName(part.subject),
        condition: { op: 'between', low: literal(part.low), high: literal(part.high) },
      };
    case 'begins_with':
      return {
        name: attributeName(part.subject),
        condition: { op: 'begins_with', prefix: literal(part.operand) },
      };
    default:
      throw invalid(`Invalid operator used in KeyConditionExpression: ${part.kind.toUpperCase()}`);
  }
}

function attributeName(operand: Operand): string {
  if (operand.kind === 'path' && operand.path.length === 1 && typeof operand.path[0] === 'string') {
    return operand.path[0];
  }
  throw invalid('The left operand of a key condition must be a top-level key attribute');
}

function literal(operand: Operand): AttributeValue {
  if (operand.kind === 'value') return operand.value;
  throw invalid('Key conditions compare a key attribute with an expression attribute value');
}

function checkedRange(condition: RangeCondition, key: KeyAttribute): RangeCondition {
  if (condition.op === 'between') {
    return { op: 'between', low: checked(condition.low, key), high: checked(condition.high, key) };
  }
  if (condition.op === 'begins_with') {
    if (key.type === 'N') {
      throw invalid(
        'Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
      );
    }
    return { op: 'begins_with', prefix: checked(condition.prefix, key) };
  }
  return { op: condition.op, value: checked(condition.value, key) };
}

function checked(value: AttributeValue, key: KeyAttribute): AttributeValue {
  if (typeOf(value) !== key.type) {
    throw new ValidationError(
      'One or more parameter values were invalid: Condition parameter type does not match schema type',
    );
  }
  return value;
}

function invalid(message: string): ValidationError {
  return new ValidationError(`Invalid KeyConditionExpression: ${message}`);
}
