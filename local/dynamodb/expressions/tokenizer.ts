/** Splits a DynamoDB expression into tokens: names, #aliases, :values, list indexes and operators. */
import { ValidationError } from '../errors';

export type TokenKind = 'name' | 'alias' | 'value' | 'index' | 'operator' | 'end';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

/** Which request parameter an expression came in; DynamoDB names it in its messages. */
export type ExpressionKind =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'ProjectionExpression'
  | 'UpdateExpression';

const OPERATORS = ['<>', '<=', '>=', '=', '<', '>', '(', ')', '[', ']', ',', '.', '+', '-'];
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const PLACEHOLDER = /[#:][A-Za-z0-9_]+/y;
const DIGITS = /\d+/y;

/** Clients send the same few expressions over and over; their tokens are kept. */
const cache = new Map<string, readonly Token[]>();
const MAX_CACHED = 1_000;

export function tokenize(expression: string, kind: ExpressionKind): readonly Token[] {
  const cached = cache.get(expression);
  if (cached !== undefined) return cached;
  const tokens = scan(expression, kind);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(expression, tokens);
  return tokens;
}

function scan(expression: string, kind: ExpressionKind): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < expression.length) {
    const char = expression[position]!;
    if (/\s/.test(char)) {
      position += 1;
      continue;
    }
    const token = tokenAt(expression, position);
    if (token === undefined) {
      throw new ValidationError(
        `Invalid ${kind}: Syntax error; token: "${char}", near: "${expression.slice(Math.max(0, position - 5), position + 5)}"`,
      );
    }
    tokens.push(token);
    position += token.text.length;
  }
  tokens.push({ kind: 'end', text: '<EOF>', position });
  return tokens;
}

function tokenAt(expression: string, position: number): Token | undefined {
  for (const [pattern, kind] of [
    [NAME, 'name'],
    [PLACEHOLDER, undefined],
    [DIGITS, 'index'],
  ] as const) {
    pattern.lastIndex = position;
    const match = pattern.exec(expression);
    if (match) {
      const text = match[0];
      return { kind: kind ?? (text.startsWith('#') ? 'alias' : 'value'), text, position };
    }
  }
  const operator = OPERATORS.find((candidate) => expression.startsWith(candidate, position));
  return operator === undefined ? undefined : { kind: 'operator', text: operator, position };
}
