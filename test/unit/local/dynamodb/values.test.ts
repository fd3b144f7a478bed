import { describe, expect, it } from 'vitest';
import { ConditionalCheckFailedError, ValidationError, wireError } from '../../../../local/dynamodb/errors';
import {
  addNumbers,
  checkValue,
  compareNumbers,
  compareOrdered,
  compareStrings,
  itemSize,
  normalizeNumber,
  valuesEqual,
} from '../../../../local/dynamodb/values';

describe('numbers', () => {
  it.each([
    ['01.50', '1.5'],
    ['-0', '0'],
    ['0.000', '0'],
    ['1e3', '1000'],
    ['1.23E-2', '0.0123'],
    ['-12.340e1', '-123.4'],
    ['.5', '0.5'],
  ])('normalizes %s to %s, as DynamoDB returns it', (text, expected) => {
    // Act
    const normalized = normalizeNumber(text);

    // Assess
    expect(normalized).toBe(expected);
  });

  it.each([
    ['not a number', 'cannot be converted to a numeric value'],
    ['', 'cannot be converted to a numeric value'],
    ['1'.repeat(39), 'more than 38 significant digits'],
    ['1E+126', 'Number overflow'],
    ['1E-131', 'Number underflow'],
  ])('refuses %s', (text, message) => {
    // Act
    const normalize = () => normalizeNumber(text);

    // Assess
    expect(normalize).toThrow(ValidationError);
    expect(normalize).toThrow(message);
  });

  it('accepts the extremes of the supported range', () => {
    // Act
    const largest = normalizeNumber('9.9999999999999999999999999999999999999E+125');
    const smallest = normalizeNumber('1E-130');

    // Assess
    expect(largest).toBe(`${'9'.repeat(38)}${'0'.repeat(88)}`);
    expect(smallest).toBe(`0.${'0'.repeat(129)}1`);
  });

  it('adds and subtracts exactly, where binary floating point would not', () => {
    // Act
    const sum = addNumbers('0.1', '0.2');
    const wide = addNumbers(
      '12345678901234567890123456789012345678',
      '-12345678901234567890123456789012345677',
    );
    const difference = addNumbers('1.05', '2.1', true);
    const tiny = addNumbers('1E-100', '1E-100');

    // Assess
    expect(sum).toBe('0.3');
    expect(wide).toBe('1');
    expect(difference).toBe('-1.05');
    expect(tiny).toBe(`0.${'0'.repeat(99)}2`);
  });

  it('refuses a sum that needs more than 38 significant digits', () => {
    // Act
    const add = () => addNumbers('9'.repeat(38), '1E-1');

    // Assess
    expect(add).toThrow('more than 38 significant digits');
  });

  it('compares by value, not by text', () => {
    // Act
    const results = [
      compareNumbers('-1', '0.5'),
      compareNumbers('10', '9'),
      compareNumbers('1.10', '1.1'),
      compareNumbers('-10', '-9'),
      compareNumbers('0', '-0.0001'),
    ].map(Math.sign);

    // Assess
    expect(results).toEqual([-1, 1, 0, -1, 1]);
  });
});

describe('ordering', () => {
  it('orders strings by UTF-8 bytes, where JavaScript would put U+FFFF after an emoji', () => {
    // Prepare
    const bmpCharacter = '\uffff';
    const emoji = '\u{1f600}';

    // Act
    const order = compareStrings(bmpCharacter, emoji);

    // Assess
    expect(bmpCharacter > emoji).toBe(true);
    expect(order).toBeLessThan(0);
  });

  it('orders binaries as unsigned bytes and refuses to order different types', () => {
    // Act
    const binary = compareOrdered(
      { B: Buffer.from([0x7f]).toString('base64') },
      { B: Buffer.from([0x80]).toString('base64') },
    );
    const mixed = compareOrdered({ S: '1' }, { N: '1' });

    // Assess
    expect(binary).toBeLessThan(0);
    expect(mixed).toBeUndefined();
  });

  it('compares sets regardless of order and numbers by value', () => {
    // Act
    const sets = valuesEqual(checkValue({ NS: ['1', '2.0'] }), checkValue({ NS: ['2', '01'] }));
    const lists = valuesEqual({ L: [{ S: 'a' }, { S: 'b' }] }, { L: [{ S: 'b' }, { S: 'a' }] });

    // Assess
    expect(sets).toBe(true);
    expect(lists).toBe(false);
  });
});

describe('checkValue', () => {
  it.each([
    [{ SS: [] }, 'An string set  may not be empty'],
    [{ NS: ['1', '1.0'] }, 'contains duplicates'],
    [{ NULL: false }, 'Null attribute value types must have the value of true'],
    [{ S: 'a', N: '1' }, 'more than one datatypes'],
    [{}, 'Supplied AttributeValue is empty'],
  ])('refuses %j', (value, message) => {
    // Act
    const check = () => checkValue(value);

    // Assess
    expect(check).toThrow(ValidationError);
    expect(check).toThrow(message);
  });

  it('returns canonical values, nested ones included', () => {
    // Act
    const value = checkValue({ M: { n: { N: '007' }, l: { L: [{ NS: ['1.50'] }] } } });

    // Assess
    expect(value).toEqual({ M: { n: { N: '7' }, l: { L: [{ NS: ['1.5'] }] } } });
  });
});

describe('itemSize', () => {
  it('counts names and values the way DynamoDB documents it', () => {
    // Prepare
    const item = {
      pk: { S: 'héllo' }, // 2 + 6 (é is two bytes)
      n: { N: '12345' }, // 1 + (3 + 1)
      b: { B: Buffer.from('abcd').toString('base64') }, // 1 + 4
      t: { BOOL: true }, // 1 + 1
      z: { NULL: true } as const, // 1 + 1
      m: { M: { a: { S: 'x' } } }, // 1 + 3 + (1 + 1 + 1)
      l: { L: [{ S: 'xy' }, { N: '1' }] }, // 1 + 3 + (2 + 1) + (2 + 1)
      ss: { SS: ['ab', 'c'] }, // 2 + 3
    };

    // Act
    const size = itemSize(item);

    // Assess
    expect(size).toBe(8 + 5 + 5 + 2 + 2 + 7 + 10 + 5);
  });
});

describe('wireError', () => {
  it('maps a typed error once to DynamoDB’s body, and anything else to a 500 without internals', () => {
    // Prepare
    const refused = new ConditionalCheckFailedError({ pk: { S: 'a' } });

    // Act
    const conditional = wireError(refused);
    const bug = wireError(new TypeError('secret internals'));

    // Assess
    expect(refused.name).toBe('ConditionalCheckFailedError');
    expect(conditional).toEqual({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        message: 'The conditional request failed',
        Item: { pk: { S: 'a' } },
      },
    });
    expect(bug.status).toBe(500);
    expect(JSON.stringify(bug.body)).not.toContain('secret');
  });
});
