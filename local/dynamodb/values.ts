/**
 * DynamoDB attribute values: the checks DynamoDB applies to what a client sends, numbers kept as
 * canonical decimal strings with DynamoDB's exact arithmetic (38 significant digits, magnitudes
 * 1E-130 to 1E+126), ordering and equality as conditions and sort keys use them, and item size as
 * DynamoDB counts it against the 400 KB item limit.
 */
import { SerializationError, ValidationError } from './errors';

export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly M: Item }
  | { readonly L: readonly AttributeValue[] }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly string[] };

export type Item = { readonly [name: string]: AttributeValue };

export const TYPE_TAGS = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'] as const;
export type TypeTag = (typeof TYPE_TAGS)[number];
export type KeyType = 'S' | 'N' | 'B';

/** DynamoDB's maximum item size: 400 KB, names and values together. */
export const MAX_ITEM_BYTES = 400 * 1024;
const MAX_NUMBER_DIGITS = 38;
/** Exponents of 0.d × 10^e: 9.99..E+125 is the largest magnitude, 1E-130 the smallest. */
const MAX_EXPONENT = 126;
const MIN_EXPONENT = -129;

export function typeOf(value: AttributeValue): TypeTag {
  for (const tag in value) return tag as TypeTag;
  throw new Error('An attribute value without a type reached the store');
}

/** The payload of a value whatever its type (the string of S/N/B, the array of L or a set, ...). */
export function payloadOf(value: AttributeValue): unknown {
  return (value as Readonly<Record<string, unknown>>)[typeOf(value)];
}

/** Checks one wire value and returns it canonical (numbers normalized, binaries re-encoded). */
export function checkValue(raw: unknown): AttributeValue {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SerializationError(`Expected an AttributeValue object, got ${JSON.stringify(raw)}`);
  }
  const tags = Object.keys(raw);
  if (tags.length !== 1 || !(TYPE_TAGS as readonly string[]).includes(tags[0]!)) {
    throw new ValidationError(
      tags.length > 1
        ? 'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes'
        : 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    );
  }
  const tag = tags[0] as TypeTag;
  const payload = (raw as Record<string, unknown>)[tag];
  switch (tag) {
    case 'S':
      return { S: stringPayload(payload, tag) };
    case 'N':
      return { N: normalizeNumber(stringPayload(payload, tag)) };
    case 'B':
      return { B: canonicalBinary(stringPayload(payload, tag)) };
    case 'BOOL':
      if (typeof payload !== 'boolean') throw new SerializationError('BOOL must be true or false');
      return { BOOL: payload };
    case 'NULL':
      if (payload !== true) {
        throw new ValidationError(
          'One or more parameter values were invalid: Null attribute value types must have the value of true',
        );
      }
      return { NULL: true };
    case 'M':
      return { M: checkAttributes(payload) };
    case 'L':
      if (!Array.isArray(payload)) throw new SerializationError('L must be an array');
      return { L: payload.map(checkValue) };
    default:
      return checkSet(tag, payload);
  }
}

/** Checks a map of attribute name -> value (an item, a key, the members of M). */
export function checkAttributes(raw: unknown): Item {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SerializationError(`Expected a map of attributes, got ${JSON.stringify(raw)}`);
  }
  const item: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === '')
      throw new ValidationError('One or more parameter values were invalid: Empty attribute name');
    item[name] = checkValue(value);
  }
  return item;
}

function stringPayload(payload: unknown, tag: TypeTag): string {
  if (typeof payload !== 'string') throw new SerializationError(`${tag} must be a string`);
  return payload;
}

function canonicalBinary(base64: string): string {
  return Buffer.from(base64, 'base64').toString('base64');
}

const SET_NAMES = { SS: 'string', NS: 'number', BS: 'binary' } as const;

function checkSet(tag: SetTag, payload: unknown): AttributeValue {
  if (!Array.isArray(payload) || payload.some((member) => typeof member !== 'string')) {
    throw new SerializationError(`${tag} must be an array of strings`);
  }
  if (payload.length === 0) {
    // DynamoDB's own wording, double space included.
    throw new ValidationError(
      `One or more parameter values were invalid: An ${SET_NAMES[tag]} set  may not be empty`,
    );
  }
  const members = (payload as string[]).map((member) =>
    tag === 'NS' ? normalizeNumber(member) : tag === 'BS' ? canonicalBinary(member) : member,
  );
  if (new Set(members).size !== members.length) {
    throw new ValidationError(
      `One or more parameter values were invalid: Input collection [${members.join(', ')}] contains duplicates.`,
    );
  }
  return setOf(tag, members);
}

export type SetTag = 'SS' | 'NS' | 'BS';

export function setOf(tag: SetTag, members: readonly string[]): AttributeValue {
  return { [tag]: members } as unknown as AttributeValue;
}

// ---------------------------------------------------------------------------------------------
// Numbers: value = sign × 0.digits × 10^exponent, digits without leading or trailing zeros.

interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

const NUMBER_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parseDecimal(text: string): Decimal {
  const match = NUMBER_PATTERN.exec(text);
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (match === null || whole.length + fraction.length === 0) {
    throw new ValidationError(
      `The parameter cannot be converted to a numeric value: ${text === '' ? '(empty)' : text}`,
    );
  }
  const all = whole + fraction;
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start += 1;
  let end = all.length;
  while (end > start && all.charCodeAt(end - 1) === 48) end -= 1;
  if (start === end) return { negative: false, digits: '', exponent: 0 };
  const decimal = {
    negative: match[1] === '-',
    digits: all.slice(start, end),
    exponent: whole.length - start + Number(match[4] ?? 0),
  };
  return withinLimits(decimal);
}

function withinLimits(decimal: Decimal): Decimal {
  if (decimal.digits.length > MAX_NUMBER_DIGITS) {
    throw new ValidationError('Attempting to store more than 38 significant digits in a Number');
  }
  if (decimal.digits !== '' && decimal.exponent > MAX_EXPONENT) {
    throw new ValidationError(
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    );
  }
  if (decimal.digits !== '' && decimal.exponent < MIN_EXPONENT) {
    throw new ValidationError(
      'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    );
  }
  return decimal;
}

function formatDecimal({ negative, digits, exponent }: Decimal): string {
  if (digits === '') return '0';
  const sign = negative ? '-' : '';
  if (exponent <= 0) return `${sign}0.${'0'.repeat(-exponent)}${digits}`;
  if (exponent >= digits.length) return sign + digits + '0'.repeat(exponent - digits.length);
  return `${sign}${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
}

/** The canonical text of a number, as DynamoDB returns it ("01.50" -> "1.5", "1e3" -> "1000"). */
export function normalizeNumber(text: string): string {
  return formatDecimal(parseDecimal(text));
}

/** Integers this short are exact as JavaScript numbers: the common case takes no decimal arithmetic. */
const SAFE_INTEGER = /^-?\d{1,15}$/;

export function compareNumbers(a: string, b: string): number {
  if (a === b) return 0;
  if (SAFE_INTEGER.test(a) && SAFE_INTEGER.test(b)) return Math.sign(Number(a) - Number(b));
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const signX = x.digits === '' ? 0 : x.negative ? -1 : 1;
  const signY = y.digits === '' ? 0 : y.negative ? -1 : 1;
  if (signX !== signY) return signX - signY;
  const magnitude =
    x.exponent !== y.exponent
      ? x.exponent - y.exponent
      : x.digits < y.digits
        ? -1
        : x.digits > y.digits
          ? 1
          : 0;
  return signX * Math.sign(magnitude);
}

/** Exact decimal a + b (or a - b), refused beyond 38 significant digits as DynamoDB does. */
export function addNumbers(a: string, b: string, subtract = false): string {
  if (SAFE_INTEGER.test(a) && SAFE_INTEGER.test(b))
    return String(subtract ? Number(a) - Number(b) : Number(a) + Number(b));
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scaleX = x.exponent - x.digits.length;
  const scaleY = y.exponent - y.digits.length;
  const scale = Math.min(scaleX, scaleY);
  const valueX = coefficient(x) * 10n ** BigInt(scaleX - scale);
  const valueY = coefficient(y) * 10n ** BigInt(scaleY - scale);
  const sum = subtract ? valueX - valueY : valueX + valueY;
  const text = (sum < 0n ? -sum : sum).toString();
  return formatDecimal(parseDecimal(`${sum < 0n ? '-' : ''}${text}e${scale}`));
}

function coefficient(decimal: Decimal): bigint {
  if (decimal.digits === '') return 0n;
  const value = BigInt(decimal.digits);
  return decimal.negative ? -value : value;
}

// ---------------------------------------------------------------------------------------------
// Ordering and equality.

/**
 * Compares strings by code point, which is the UTF-8 byte order DynamoDB sorts by; JavaScript's
 * own order (UTF-16 code units) puts U+E000..U+FFFF after characters beyond U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    let x = a.charCodeAt(index);
    let y = b.charCodeAt(index);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Order of two S, N or B values of the same type; undefined when DynamoDB cannot order them. */
export function compareOrdered(a: AttributeValue, b: AttributeValue): number | undefined {
  if ('S' in a) return 'S' in b ? compareStrings(a.S, b.S) : undefined;
  if ('N' in a) return 'N' in b ? compareNumbers(a.N, b.N) : undefined;
  if ('B' in a)
    return 'B' in b ? Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64')) : undefined;
  return undefined;
}

/** DynamoDB's `=`: same type and same value; sets regardless of order. Values are canonical. */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const tag = typeOf(a);
  if (tag !== typeOf(b)) return false;
  const x = payloadOf(a);
  const y = payloadOf(b);
  switch (tag) {
    case 'M': {
      const left = x as Item;
      const right = y as Item;
      const names = Object.keys(left);
      return (
        names.length === Object.keys(right).length &&
        names.every((name) => right[name] !== undefined && valuesEqual(left[name]!, right[name]!))
      );
    }
    case 'L': {
      const left = x as readonly AttributeValue[];
      const right = y as readonly AttributeValue[];
      return left.length === right.length && left.every((value, index) => valuesEqual(value, right[index]!));
    }
    case 'SS':
    case 'NS':
    case 'BS': {
      const right = new Set(y as readonly string[]);
      return (
        (x as readonly string[]).length === right.size && (x as readonly string[]).every((m) => right.has(m))
      );
    }
    default:
      return x === y;
  }
}

/** A key value as a Map key: its canonical text (the key type of a table is fixed, so no tag). */
export function keyText(value: AttributeValue): string {
  return payloadOf(value) as string;
}

// ---------------------------------------------------------------------------------------------
// Size, as DynamoDB documents it for the item size limit and capacity.

export function itemSize(item: Item): number {
  let size = 0;
  for (const name in item) size += Buffer.byteLength(name) + valueSize(item[name]!);
  return size;
}

export function valueSize(value: AttributeValue): number {
  if ('S' in value) return Buffer.byteLength(value.S);
  if ('N' in value) return numberSize(value.N);
  if ('B' in value) return binaryLength(value.B);
  if ('BOOL' in value || 'NULL' in value) return 1;
  // A map or a list costs 3 bytes, plus 1 byte per element.
  if ('M' in value) {
    let size = 3;
    for (const name in value.M) size += Buffer.byteLength(name) + valueSize(value.M[name]!) + 1;
    return size;
  }
  if ('L' in value) return value.L.reduce((size, element) => size + valueSize(element) + 1, 3);
  if ('SS' in value) return value.SS.reduce((size, member) => size + Buffer.byteLength(member), 0);
  if ('NS' in value) return value.NS.reduce((size, member) => size + numberSize(member), 0);
  return value.BS.reduce((size, member) => size + binaryLength(member), 0);
}

/** One byte per two significant digits, plus one. */
function numberSize(text: string): number {
  return Math.ceil(parseDecimal(text).digits.length / 2) + 1;
}

export function binaryLength(base64: string): number {
  return Buffer.byteLength(base64, 'base64');
}
