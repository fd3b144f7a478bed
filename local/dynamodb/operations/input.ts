/** Reading request parameters with DynamoDB's validation messages. */

import type { CapacityMeter } from '../capacity';
import type { Database } from '../database';
import { SerializationError, ValidationError } from '../errors';
import type { TransactionTokens } from './transactions';

export type Input = Readonly<Record<string, unknown>>;

/** What every operation runs against. */
export interface OperationContext {
  readonly db: Database;
  readonly tokens: TransactionTokens;
  readonly capacity: CapacityMeter;
}

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** DynamoDB names parameters in camelCase in its "1 validation error detected" messages. */
function constraintError(value: unknown, name: string, constraint: string): ValidationError {
  const shown =
    value === undefined ? 'null' : `'${typeof value === 'string' ? value : JSON.stringify(value)}'`;
  const field = name.charAt(0).toLowerCase() + name.slice(1);
  return new ValidationError(
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

export function asInput(value: unknown, name: string): Input {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SerializationError(`${name} must be a structure`);
  }
  return value as Input;
}

export function requiredValue(input: Input, name: string): unknown {
  const value = input[name];
  if (value === undefined || value === null)
    throw constraintError(undefined, name, 'Member must not be null');
  return value;
}

export function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SerializationError(`${name} must be a string`);
  return value;
}

export function requiredString(input: Input, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined) throw constraintError(undefined, name, 'Member must not be null');
  return value;
}

export function tableName(input: Input, name = 'TableName'): string {
  const value = requiredString(input, name);
  if (!TABLE_NAME.test(value)) {
    throw constraintError(
      value,
      name,
      'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 3 and 255',
    );
  }
  return value;
}

export function optionalList(
  input: Input,
  name: string,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): unknown[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new SerializationError(`${name} must be a list`);
  if (value.length < min)
    throw constraintError(value, name, `Member must have length greater than or equal to ${min}`);
  if (value.length > max)
    throw constraintError(value, name, `Member must have length less than or equal to ${max}`);
  return value;
}

export function requiredList(input: Input, name: string, min = 0, max = Number.POSITIVE_INFINITY): unknown[] {
  const value = optionalList(input, name, min, max);
  if (value === undefined) throw constraintError(undefined, name, 'Member must not be null');
  return value;
}

export function optionalMap(input: Input, name: string): Input | undefined {
  const value = input[name];
  return value === undefined || value === null ? undefined : asInput(value, name);
}

export function optionalBoolean(input: Input, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new SerializationError(`${name} must be a boolean`);
  return value;
}

export function optionalInteger(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new SerializationError(`${name} must be an integer`);
  if (value < min)
    throw constraintError(value, name, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraintError(value, name, `Member must have value less than or equal to ${max}`);
  return value;
}

export function enumeration<T extends string>(
  input: Input,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = optionalString(input, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw constraintError(value, name, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}

/** The pre-expression parameters (Expected, AttributeUpdates, KeyConditions, ...) are refused. */
export function refuseLegacy(input: Input, names: readonly string[]): void {
  for (const name of names) {
    if (input[name] !== undefined && input[name] !== null) {
      throw new ValidationError(
        `The legacy parameter ${name} is not supported by this DynamoDB-compatible server; use the expression parameters instead`,
      );
    }
  }
}
