/**
 * ExpressionAttributeNames and ExpressionAttributeValues of one request, with DynamoDB's rules:
 * neither map may be empty, every placeholder used must be defined, and every one defined must be
 * used by one of the request's expressions.
 */
import { SerializationError, ValidationError } from '../errors';
import { type AttributeValue, checkValue } from '../values';
import type { ExpressionKind } from './tokenizer';

export class ExpressionAttributes {
  private readonly names: ReadonlyMap<string, string>;
  private readonly values: ReadonlyMap<string, AttributeValue>;
  private readonly usedNames = new Set<string>();
  private readonly usedValues = new Set<string>();

  public constructor(names: unknown, values: unknown) {
    this.names = new Map(
      Object.entries(placeholderMap(names, 'ExpressionAttributeNames')).map(([alias, name]) => {
        if (typeof name !== 'string' || name === '') {
          throw new ValidationError(
            `ExpressionAttributeNames contains invalid value: ${alias} is not a name`,
          );
        }
        return [alias, name];
      }),
    );
    this.values = new Map(
      Object.entries(placeholderMap(values, 'ExpressionAttributeValues')).map(([ref, value]) => {
        try {
          return [ref, checkValue(value)];
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new ValidationError(
            `ExpressionAttributeValues contains invalid value: ${reason} for key ${ref}`,
            { cause: error },
          );
        }
      }),
    );
  }

  public name(alias: string, kind: ExpressionKind): string {
    const name = this.names.get(alias);
    if (name === undefined) {
      throw new ValidationError(
        `Invalid ${kind}: An expression attribute name used in the document path is not defined; attribute name: ${alias}`,
      );
    }
    this.usedNames.add(alias);
    return name;
  }

  public value(ref: string, kind: ExpressionKind): AttributeValue {
    const value = this.values.get(ref);
    if (value === undefined) {
      throw new ValidationError(
        `Invalid ${kind}: An expression attribute value used in expression is not defined; attribute value: ${ref}`,
      );
    }
    this.usedValues.add(ref);
    return value;
  }

  /** Call once every expression of the request has been parsed. */
  public assertAllUsed(): void {
    const unusedNames = [...this.names.keys()].filter((alias) => !this.usedNames.has(alias));
    if (unusedNames.length > 0) {
      throw new ValidationError(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
      );
    }
    const unusedValues = [...this.values.keys()].filter((ref) => !this.usedValues.has(ref));
    if (unusedValues.length > 0) {
      throw new ValidationError(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
      );
    }
  }
}

function placeholderMap(raw: unknown, parameter: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new SerializationError(`${parameter} must be a map`);
  if (Object.keys(raw).length === 0) throw new ValidationError(`${parameter} must not be empty`);
  return raw as Record<string, unknown>;
}
