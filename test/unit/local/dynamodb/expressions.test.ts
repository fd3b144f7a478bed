import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../local/dynamodb/errors';
import { ExpressionAttributes } from '../../../../local/dynamodb/expressions/attributes';
import { applyUpdate, evaluate, project } from '../../../../local/dynamodb/expressions/evaluator';
import { keyConditionOf } from '../../../../local/dynamodb/expressions/key-condition';
import { parseCondition, parseProjection, parseUpdate } from '../../../../local/dynamodb/expressions/parser';
import { isReservedWord, RESERVED_WORDS } from '../../../../local/dynamodb/expressions/reserved-words';
import type { KeySchema } from '../../../../local/dynamodb/table';
import type { AttributeValue, Item } from '../../../../local/dynamodb/values';

const ITEM: Item = {
  pk: { S: 'ORDER#1' },
  status: { S: 'PLACED' },
  available: { N: '5' },
  tags: { SS: ['gift', 'express'] },
  orderLines: {
    L: [{ M: { sku: { S: 'A' }, quantity: { N: '2' } } }, { M: { sku: { S: 'B' }, quantity: { N: '1' } } }],
  },
  address: { M: { city: { S: 'Berlin' }, zip: { S: '10115' } } },
  flag: { BOOL: false },
};

function attributes(values: Record<string, AttributeValue> = {}, names: Record<string, string> = {}) {
  return new ExpressionAttributes(
    Object.keys(names).length > 0 ? names : undefined,
    Object.keys(values).length > 0 ? values : undefined,
  );
}

function holds(
  expression: string,
  values: Record<string, AttributeValue> = {},
  names: Record<string, string> = {},
) {
  return evaluate(parseCondition(expression, 'ConditionExpression', attributes(values, names)), ITEM);
}

describe('condition expressions', () => {
  it.each([
    ['available >= :five', true],
    ['available > :five', false],
    ['available BETWEEN :one AND :five', true],
    ['#status IN (:placed, :other)', true],
    ['attribute_exists(address.city) AND attribute_not_exists(address.street)', true],
    ['attribute_type(tags, :ss)', true],
    ['begins_with(pk, :prefix)', true],
    ['contains(tags, :gift)', true],
    ['contains(address.city, :erl)', true],
    ['orderLines[1].sku = :b', true],
    ['size(orderLines) = :two AND size(address.city) = :six', true],
    ['NOT flag = :true', true],
    ['absent <> :one', true],
    ['absent = :one', false],
    ['available = :fiveText', false],
    ['available < :fiveText', false],
  ])('%s is %s', (expression, expected) => {
    // Prepare
    const all: Record<string, AttributeValue> = {
      ':one': { N: '1' },
      ':two': { N: '2' },
      ':five': { N: '5.0' },
      ':six': { N: '6' },
      ':fiveText': { S: '5' },
      ':placed': { S: 'PLACED' },
      ':other': { S: 'CONFIRMED' },
      ':ss': { S: 'SS' },
      ':prefix': { S: 'ORDER#' },
      ':gift': { S: 'gift' },
      ':erl': { S: 'erl' },
      ':b': { S: 'B' },
      ':true': { BOOL: true },
    };
    const used = Object.fromEntries(
      Object.entries(all).filter(([ref]) => new RegExp(`${ref}\\b`).test(expression)),
    );
    const names: Record<string, string> = expression.includes('#status') ? { '#status': 'status' } : {};

    // Act
    const result = holds(expression, used, names);

    // Assess
    expect(result).toBe(expected);
  });

  it('binds AND tighter than OR, and NOT tighter than AND', () => {
    // Prepare
    const values = { ':yes': { BOOL: false }, ':no': { BOOL: true } };

    // Act
    const withoutParentheses = holds('flag = :yes OR flag = :no AND flag = :no', values);
    const grouped = holds('(flag = :yes OR flag = :no) AND flag = :no', values);
    const negated = holds('NOT flag = :no AND flag = :yes', values);

    // Assess
    expect(withoutParentheses).toBe(true);
    expect(grouped).toBe(false);
    expect(negated).toBe(true);
  });

  it('evaluates against a absent item as against an item without attributes', () => {
    // Prepare
    const condition = parseCondition('attribute_not_exists(pk)', 'ConditionExpression', attributes());

    // Act
    const result = evaluate(condition, undefined);

    // Assess
    expect(result).toBe(true);
  });

  it.each([
    [
      'status = :s',
      { ':s': { S: 'x' } },
      {},
      'Attribute name is a reserved keyword; reserved keyword: status',
    ],
    ['a = :s', { ':s': { S: 'x' } }, { '#unused': 'b' }, 'unused in expressions: keys: {#unused}'],
    ['a = :s', { ':s': { S: 'x' }, ':t': { S: 'y' } }, {}, 'unused in expressions: keys: {:t}'],
    [
      'a = :absent',
      {},
      {},
      'An expression attribute value used in expression is not defined; attribute value: :absent',
    ],
    ['#absent = :s', { ':s': { S: 'x' } }, {}, 'attribute name: #absent'],
    ['a = ', {}, {}, 'Syntax error; token: "<EOF>"'],
    ['a === :s', { ':s': { S: 'x' } }, {}, 'Syntax error'],
    ['attribute_exists(:s)', { ':s': { S: 'x' } }, {}, 'requires a document path'],
    ['size(a)', {}, {}, 'Syntax error'],
    ['a = attribute_exists(b)', {}, {}, 'The function is not allowed to be used this way'],
    ['unknown_fn(a)', {}, {}, 'Invalid function name; function: unknown_fn'],
    ['begins_with(a, :n)', { ':n': { N: '1' } }, {}, 'operator or function: begins_with, operand type: N'],
    [
      'a BETWEEN :high AND :low',
      { ':high': { N: '9' }, ':low': { N: '1' } },
      {},
      'upper bound to be greater',
    ],
    ['a < :m', { ':m': { M: {} } }, {}, 'operator or function: <, operand type: M'],
    [
      'attribute_type(a, :t)',
      { ':t': { S: 'STRING' } },
      {},
      'Invalid attribute type name found; type: STRING',
    ],
  ])('refuses %s', (expression, values, names, message) => {
    // Act
    const parse = () => {
      const given = attributes(values as Record<string, AttributeValue>, names as Record<string, string>);
      parseCondition(expression, 'ConditionExpression', given);
      given.assertAllUsed();
    };

    // Assess
    expect(parse).toThrow(ValidationError);
    expect(parse).toThrow(message);
  });

  it('refuses empty placeholder maps, as DynamoDB does', () => {
    // Act
    const create = () => new ExpressionAttributes({}, undefined);

    // Assess
    expect(create).toThrow('ExpressionAttributeNames must not be empty');
  });
});

describe('reserved words', () => {
  it('holds the whole documented list, case-insensitively', () => {
    // Prepare
    const common = ['status', 'name', 'data', 'count', 'size', 'timestamp', 'date', 'value', 'values'];
    const more = ['key', 'keys', 'items', 'total', 'user', 'comment', 'ttl', 'Year'];

    // Act
    const reserved = [...common, ...more].filter(isReservedWord);

    // Assess
    expect(RESERVED_WORDS.size).toBe(573);
    expect(reserved).toEqual([...common, ...more]);
    // Not on AWS's list, used bare by this project's expressions.
    expect(['history', 'entry', 'available', 'points', 'sku', 'price', 'currency'].some(isReservedWord)).toBe(
      false,
    );
  });
});

describe('update expressions', () => {
  function update(expression: string, values: Record<string, AttributeValue> = {}, item: Item = ITEM): Item {
    return applyUpdate(item, parseUpdate(expression, attributes(values)));
  }

  it('sets with arithmetic, if_not_exists and list_append, every operand read before the update', () => {
    // Act
    const updated = update(
      'SET available = available - :two, copied = available, since = if_not_exists(since, :now), orderLines = list_append(orderLines, :more)',
      { ':two': { N: '2' }, ':now': { S: '2024-01-01' }, ':more': { L: [{ S: 'C' }] } },
    );

    // Assess
    expect(updated.available).toEqual({ N: '3' });
    expect(updated.copied).toEqual({ N: '5' });
    expect(updated.since).toEqual({ S: '2024-01-01' });
    expect((updated.orderLines as { L: AttributeValue[] }).L).toHaveLength(3);
    expect(ITEM.available).toEqual({ N: '5' });
  });

  it('removes list elements by their original indexes and nested attributes', () => {
    // Prepare
    const item: Item = {
      pk: { S: 'x' },
      l: { L: [{ S: 'a' }, { S: 'b' }, { S: 'c' }] },
      m: { M: { a: { N: '1' } } },
    };

    // Act
    const updated = update('REMOVE l[0], l[2], m.a', {}, item);

    // Assess
    expect(updated).toEqual({ pk: { S: 'x' }, l: { L: [{ S: 'b' }] }, m: { M: {} } });
  });

  it('adds to numbers and sets, and deletes from sets (an emptied set disappears)', () => {
    // Act
    const updated = update(
      'ADD available :one, tags :more, tally :one DELETE retired :old',
      {
        ':one': { N: '1' },
        ':more': { SS: ['gift', 'fragile'] },
        ':old': { SS: ['x'] },
      },
      { ...ITEM, retired: { SS: ['x'] } },
    );

    // Assess
    expect(updated.available).toEqual({ N: '6' });
    expect(updated.tally).toEqual({ N: '1' });
    expect(updated.tags).toEqual({ SS: ['gift', 'express', 'fragile'] });
    expect(updated.retired).toBeUndefined();
  });

  it.each([
    ['SET a = :v, a.b = :v', 'Two document paths overlap'],
    ['SET a = :v SET b = :v', 'The "SET" section can only be used once'],
    ['SET a = :v REMOVE a', 'Two document paths overlap'],
    ['ADD a :s', 'operator or function: ADD, operand type: S'],
    ['SET a = :s + :v', 'operator or function: +, operand type: S'],
  ])('refuses %s', (expression, message) => {
    // Act
    const parse = () => parseUpdate(expression, attributes({ ':v': { N: '1' }, ':s': { S: 'x' } }));

    // Assess
    expect(parse).toThrow(ValidationError);
    expect(parse).toThrow(message);
  });

  it.each([
    ['SET n = #status + :one', 'incorrect data type'],
    ['SET n = absent + :one', 'refers to an attribute that does not exist'],
    ['SET nowhere.deep = :one', 'document path provided in the update expression is invalid'],
    ['ADD #status :one', 'incorrect data type'],
  ])('fails %s on this item', (expression, message) => {
    // Prepare
    const actions = parseUpdate(
      expression,
      new ExpressionAttributes(expression.includes('#status') ? { '#status': 'status' } : undefined, {
        ':one': { N: '1' },
      }),
    );

    // Act
    const apply = () => applyUpdate(ITEM, actions);

    // Assess
    expect(apply).toThrow(message);
  });
});

describe('projection expressions', () => {
  it('returns the named parts, list elements packed in index order', () => {
    // Prepare
    const paths = parseProjection(
      'orderLines[1].sku, address.city, pk, nowhere, orderLines[0].quantity',
      attributes(),
    );

    // Act
    const projected = project(ITEM, paths);

    // Assess
    expect(projected).toEqual({
      pk: { S: 'ORDER#1' },
      address: { M: { city: { S: 'Berlin' } } },
      orderLines: { L: [{ M: { quantity: { N: '2' } } }, { M: { sku: { S: 'B' } } }] },
    });
  });

  it('refuses overlapping paths', () => {
    // Act
    const parse = () => parseProjection('address, address.city', attributes());

    // Assess
    expect(parse).toThrow('Two document paths overlap with each other');
  });
});

describe('key conditions', () => {
  const schema: KeySchema = { hash: { name: 'pk', type: 'S' }, range: { name: 'sk', type: 'N' } };
  const values = { ':p': { S: 'a' }, ':low': { N: '1' }, ':high': { N: '3' } };

  it('reduces the partition key equality and one sort key condition, in either order', () => {
    // Act
    const condition = keyConditionOf(
      parseCondition('sk BETWEEN :low AND :high AND pk = :p', 'KeyConditionExpression', attributes(values)),
      schema,
    );

    // Assess
    expect(condition).toEqual({
      hash: { S: 'a' },
      range: { op: 'between', low: { N: '1' }, high: { N: '3' } },
    });
  });

  it.each([
    ['sk = :low', 'Query condition missed key schema element: pk'],
    ['pk = :p OR sk = :low', 'Invalid operator used in KeyConditionExpression: OR'],
    ['pk = :p AND extra = :low', 'Query key condition not supported'],
    ['pk = :low', 'Condition parameter type does not match schema type'],
    ['pk = :p AND begins_with(sk, :low)', 'operand type: N'],
    ['pk = :p AND sk > :low AND sk < :high', 'Conditions can be of length 1 or 2 only'],
  ])('refuses %s', (expression, message) => {
    // Act
    const reduce = () =>
      keyConditionOf(parseCondition(expression, 'KeyConditionExpression', attributes(values)), schema);

    // Assess
    expect(reduce).toThrow(message);
  });
});
