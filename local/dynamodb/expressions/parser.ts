/**
 * Parses condition, filter, key-condition, update and projection expressions into trees, resolving
 * #aliases and :values as it goes and applying DynamoDB's static checks (reserved words, function
 * names and arity, literal operand types, overlapping document paths).
 *
 * Precedence, as DynamoDB documents it: comparators, BETWEEN and IN bind tightest, then NOT, then
 * AND, then OR; parentheses group.
 */
import { ValidationError } from '../errors';
import { type AttributeValue, compareOrdered, payloadOf, TYPE_TAGS, type TypeTag, typeOf } from '../values';
import type { ExpressionAttributes } from './attributes';
import { isReservedWord } from './reserved-words';
import { type ExpressionKind, type Token, tokenize } from './tokenizer';

export type PathElement = string | number;
export type Path = readonly PathElement[];

export type Operand =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'size'; readonly path: Path };

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | {
      readonly kind: 'compare';
      readonly comparator: Comparator;
      readonly left: Operand;
      readonly right: Operand;
    }
  | { readonly kind: 'between'; readonly subject: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: 'in'; readonly subject: Operand; readonly candidates: readonly Operand[] }
  | { readonly kind: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly condition: Condition }
  | { readonly kind: 'attribute_exists' | 'attribute_not_exists'; readonly path: Path }
  | { readonly kind: 'attribute_type'; readonly path: Path; readonly type: TypeTag }
  | { readonly kind: 'begins_with' | 'contains'; readonly subject: Operand; readonly operand: Operand };

export type UpdateValue =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttributeValue }
  | { readonly kind: 'if_not_exists'; readonly path: Path; readonly fallback: UpdateValue }
  | { readonly kind: 'list_append'; readonly left: UpdateValue; readonly right: UpdateValue }
  | { readonly kind: '+' | '-'; readonly left: UpdateValue; readonly right: UpdateValue };

export type UpdateAction =
  | { readonly kind: 'SET'; readonly path: Path; readonly value: UpdateValue }
  | { readonly kind: 'REMOVE'; readonly path: Path }
  | { readonly kind: 'ADD' | 'DELETE'; readonly path: Path; readonly value: AttributeValue };

const COMPARATORS: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=']);
const CONDITION_FUNCTIONS: ReadonlySet<string> = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
]);
const ORDERED_TYPES: ReadonlySet<TypeTag> = new Set(['S', 'N', 'B']);
const UPDATE_CLAUSES: ReadonlySet<string> = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);
const MAX_IN_OPERANDS = 100;

export function parseCondition(
  expression: string,
  kind: ExpressionKind,
  attributes: ExpressionAttributes,
): Condition {
  const parser = new Parser(expression, kind, attributes);
  const condition = parser.condition();
  parser.finish();
  return condition;
}

export function parseUpdate(expression: string, attributes: ExpressionAttributes): UpdateAction[] {
  const parser = new Parser(expression, 'UpdateExpression', attributes);
  const actions = parser.update();
  parser.finish();
  return actions;
}

export function parseProjection(expression: string, attributes: ExpressionAttributes): Path[] {
  const parser = new Parser(expression, 'ProjectionExpression', attributes);
  const paths = parser.projection();
  parser.finish();
  return paths;
}

/** `a.b[0]` as DynamoDB prints document paths in its messages. */
export function pathText(path: Path): string {
  return path
    .map((element, index) =>
      typeof element === 'number' ? `[${element}]` : index === 0 ? element : `.${element}`,
    )
    .join('');
}

class Parser {
  private readonly tokens: readonly Token[];
  private index = 0;

  public constructor(
    private readonly expression: string,
    private readonly kind: ExpressionKind,
    private readonly attributes: ExpressionAttributes,
  ) {
    if (expression.trim() === '') throw this.invalid('The expression can not be empty;');
    this.tokens = tokenize(expression, kind);
  }

  public finish(): void {
    if (this.peek().kind !== 'end') throw this.syntaxError();
  }

  public condition(): Condition {
    let left = this.conjunction();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.conjunction() };
    return left;
  }

  public update(): UpdateAction[] {
    const actions: UpdateAction[] = [];
    const clauses = new Set<string>();
    do {
      const token = this.next();
      const clause = token.kind === 'name' ? token.text.toUpperCase() : '';
      if (!UPDATE_CLAUSES.has(clause)) throw this.syntaxError(token);
      if (clauses.has(clause)) {
        throw this.invalid(`The "${clause}" section can only be used once in an update expression;`);
      }
      clauses.add(clause);
      actions.push(...this.list(() => this.updateAction(clause)));
    } while (this.peek().kind !== 'end');
    this.checkOverlaps(actions.map((action) => action.path));
    return actions;
  }

  public projection(): Path[] {
    const paths = this.list(() => this.path());
    this.checkOverlaps(paths);
    return paths;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.negation() };
    return left;
  }

  private negation(): Condition {
    return this.acceptKeyword('NOT') ? { kind: 'not', condition: this.negation() } : this.primary();
  }

  private primary(): Condition {
    if (this.accept('(')) {
      const condition = this.condition();
      this.expect(')');
      return condition;
    }
    if (this.isFunctionCall() && this.peek().text !== 'size') return this.conditionFunction();
    const subject = this.operand();
    if (this.acceptKeyword('BETWEEN')) {
      const low = this.operand();
      if (!this.acceptKeyword('AND')) throw this.syntaxError();
      const high = this.operand();
      this.checkBetween(low, high);
      return { kind: 'between', subject, low, high };
    }
    if (this.acceptKeyword('IN')) {
      this.expect('(');
      const candidates = this.list(() => this.operand());
      this.expect(')');
      if (candidates.length > MAX_IN_OPERANDS) {
        throw this.invalid(
          `The IN operator is provided with too many operands; number of operands: ${candidates.length}`,
        );
      }
      return { kind: 'in', subject, candidates };
    }
    const token = this.next();
    if (token.kind !== 'operator' || !COMPARATORS.has(token.text)) throw this.syntaxError(token);
    const comparator = token.text as Comparator;
    const right = this.operand();
    if (comparator !== '=' && comparator !== '<>') {
      for (const operand of [subject, right]) this.checkOperandType(operand, comparator, ORDERED_TYPES);
    }
    return { kind: 'compare', comparator, left: subject, right };
  }

  private conditionFunction(): Condition {
    const name = this.next().text;
    if (!CONDITION_FUNCTIONS.has(name)) throw this.invalid(`Invalid function name; function: ${name}`);
    this.expect('(');
    const operands = this.list(() => this.operand());
    this.expect(')');
    const arity = name === 'attribute_exists' || name === 'attribute_not_exists' ? 1 : 2;
    if (operands.length !== arity) {
      throw this.invalid(
        `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${operands.length}`,
      );
    }
    const [first, second] = operands as [Operand, Operand];
    if (name === 'begins_with' || name === 'contains') {
      if (name === 'begins_with') this.checkOperandType(second, name, new Set(['S', 'B']));
      return { kind: name, subject: first, operand: second };
    }
    if (first.kind !== 'path') {
      throw this.invalid(`Operator or function requires a document path; operator or function: ${name}`);
    }
    if (name !== 'attribute_type') return { kind: name as 'attribute_exists', path: first.path };
    const type = second.kind === 'value' && 'S' in second.value ? second.value.S : '';
    if (!(TYPE_TAGS as readonly string[]).includes(type)) {
      throw this.invalid(
        `Invalid attribute type name found; type: ${type || this.describe(second)}, valid types: {${TYPE_TAGS.join(',')}}`,
      );
    }
    return { kind: 'attribute_type', path: first.path, type: type as TypeTag };
  }

  /** A :value, a document path or size(path). */
  private operand(): Operand {
    const token = this.peek();
    if (token.kind === 'value') return this.value();
    if (!this.isFunctionCall()) return { kind: 'path', path: this.path() };
    if (token.text !== 'size') {
      throw this.invalid(
        CONDITION_FUNCTIONS.has(token.text)
          ? `The function is not allowed to be used this way in an expression; function: ${token.text}`
          : `Invalid function name; function: ${token.text}`,
      );
    }
    this.index += 2;
    const path = this.path();
    this.expect(')');
    return { kind: 'size', path };
  }

  private value(): { kind: 'value'; value: AttributeValue } {
    const token = this.next();
    if (token.kind !== 'value') throw this.syntaxError(token);
    return { kind: 'value', value: this.attributes.value(token.text, this.kind) };
  }

  private updateAction(clause: string): UpdateAction {
    const path = this.path();
    if (clause === 'REMOVE') return { kind: 'REMOVE', path };
    if (clause === 'SET') {
      this.expect('=');
      return { kind: 'SET', path, value: this.setValue() };
    }
    const operand = this.value();
    this.checkOperandType(
      operand,
      clause,
      new Set(clause === 'ADD' ? ['N', 'SS', 'NS', 'BS'] : ['SS', 'NS', 'BS']),
    );
    return { kind: clause as 'ADD' | 'DELETE', path, value: operand.value };
  }

  /** operand [+|- operand], where an operand is a :value, a path, if_not_exists() or list_append(). */
  private setValue(): UpdateValue {
    const left = this.setOperand();
    if (!this.isOperator('+') && !this.isOperator('-')) return left;
    const operator = this.next().text as '+' | '-';
    const right = this.setOperand();
    for (const operand of [left, right]) this.checkOperandType(operand, operator, new Set(['N']));
    return { kind: operator, left, right };
  }

  private setOperand(): UpdateValue {
    const token = this.peek();
    if (token.kind === 'value') return this.value();
    if (!this.isFunctionCall()) return { kind: 'path', path: this.path() };
    if (token.text !== 'if_not_exists' && token.text !== 'list_append') {
      throw this.invalid(`Invalid function name; function: ${token.text}`);
    }
    this.index += 2;
    const path = token.text === 'if_not_exists' ? this.path() : undefined;
    const left = path === undefined ? this.setValue() : undefined;
    this.expect(',');
    const right = this.setValue();
    this.expect(')');
    if (path !== undefined) return { kind: 'if_not_exists', path, fallback: right };
    for (const operand of [left!, right]) this.checkOperandType(operand, 'list_append', new Set(['L']));
    return { kind: 'list_append', left: left!, right };
  }

  private path(): Path {
    const elements: PathElement[] = [this.pathName()];
    for (;;) {
      if (this.accept('.')) {
        elements.push(this.pathName());
      } else if (this.accept('[')) {
        const token = this.next();
        if (token.kind !== 'index') throw this.syntaxError(token);
        this.expect(']');
        elements.push(Number(token.text));
      } else {
        return elements;
      }
    }
  }

  private pathName(): string {
    const token = this.next();
    if (token.kind === 'alias') return this.attributes.name(token.text, this.kind);
    if (token.kind !== 'name') throw this.syntaxError(token);
    if (isReservedWord(token.text)) {
      throw this.invalid(`Attribute name is a reserved keyword; reserved keyword: ${token.text}`);
    }
    return token.text;
  }

  private checkBetween(low: Operand, high: Operand): void {
    this.checkOperandType(low, 'BETWEEN', ORDERED_TYPES);
    this.checkOperandType(high, 'BETWEEN', ORDERED_TYPES);
    if (low.kind !== 'value' || high.kind !== 'value') return;
    const order = compareOrdered(low.value, high.value);
    if (order === undefined || order > 0) {
      throw this.invalid(
        'The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ' +
          `lower bound operand: AttributeValue: ${this.describe(low)}, upper bound operand: AttributeValue: ${this.describe(high)}`,
      );
    }
  }

  /** A literal of the wrong type is refused up front; a stored value of the wrong type just compares false. */
  private checkOperandType(
    operand: Operand | UpdateValue,
    operator: string,
    allowed: ReadonlySet<TypeTag>,
  ): void {
    if (operand.kind !== 'value' || allowed.has(typeOf(operand.value))) return;
    throw this.invalid(
      `Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${typeOf(operand.value)}`,
    );
  }

  /** Two actions or projections on one path, or on a path and a part of it, are refused. */
  private checkOverlaps(paths: readonly Path[]): void {
    paths.forEach((a, i) => {
      for (const b of paths.slice(i + 1)) {
        let k = 0;
        while (k < Math.min(a.length, b.length) && a[k] === b[k]) k += 1;
        const overlap = k === Math.min(a.length, b.length);
        if (overlap || (k > 0 && typeof a[k] !== typeof b[k])) {
          throw this.invalid(
            `Two document paths ${overlap ? 'overlap' : 'conflict'} with each other; must remove or rewrite one of these paths; ` +
              `path one: [${a.join(', ')}], path two: [${b.join(', ')}]`,
          );
        }
      }
    });
  }

  private describe(operand: Operand): string {
    return operand.kind === 'value'
      ? `{${typeOf(operand.value)}:${JSON.stringify(payloadOf(operand.value))}}`
      : pathText(operand.path);
  }

  private list<T>(item: () => T): T[] {
    const items = [item()];
    while (this.accept(',')) items.push(item());
    return items;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    this.index += 1;
    return token;
  }

  private isOperator(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'operator' && token.text === text;
  }

  private isFunctionCall(): boolean {
    return this.peek().kind === 'name' && this.isOperator('(', 1);
  }

  private accept(text: string): boolean {
    const accepted = this.isOperator(text);
    if (accepted) this.index += 1;
    return accepted;
  }

  private acceptKeyword(word: string): boolean {
    const token = this.peek();
    const accepted = token.kind === 'name' && token.text.toUpperCase() === word;
    if (accepted) this.index += 1;
    return accepted;
  }

  private expect(text: string): void {
    if (!this.accept(text)) throw this.syntaxError();
  }

  private syntaxError(token = this.peek()): ValidationError {
    const near = this.expression.slice(
      Math.max(0, token.position - 10),
      token.position + token.text.length + 10,
    );
    return this.invalid(`Syntax error; token: "${token.text}", near: "${near}"`);
  }

  private invalid(message: string): ValidationError {
    return new ValidationError(`Invalid ${this.kind}: ${message}`);
  }
}
