/**
 * Evaluates parsed expressions against an item: conditions (a missing attribute or a type mismatch
 * makes a comparison false, as in DynamoDB, never an error), update actions (copy-on-write: stored
 * items are never mutated) and projections.
 */
import { ValidationError } from '../errors';
import {
  type AttributeValue,
  addNumbers,
  binaryLength,
  compareOrdered,
  type Item,
  payloadOf,
  type SetTag,
  setOf,
  typeOf,
  valuesEqual,
} from '../values';
import type { Condition, Operand, Path, PathElement, UpdateAction, UpdateValue } from './parser';

export function resolvePath(item: Item | undefined, path: Path): AttributeValue | undefined {
  let current: AttributeValue | undefined = item === undefined ? undefined : { M: item };
  for (const element of path) {
    if (current === undefined) return undefined;
    current = childOf(current, element);
  }
  return current;
}

function childOf(container: AttributeValue, element: PathElement): AttributeValue | undefined {
  if (typeof element === 'number') return 'L' in container ? container.L[element] : undefined;
  return 'M' in container ? container.M[element] : undefined;
}

/** Whether `item` (undefined: no such item) satisfies the condition. */
export function evaluate(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item) && evaluate(condition.right, item);
    case 'or':
      return evaluate(condition.left, item) || evaluate(condition.right, item);
    case 'not':
      return !evaluate(condition.condition, item);
    case 'attribute_exists':
      return resolvePath(item, condition.path) !== undefined;
    case 'attribute_not_exists':
      return resolvePath(item, condition.path) === undefined;
    case 'attribute_type': {
      const value = resolvePath(item, condition.path);
      return value !== undefined && typeOf(value) === condition.type;
    }
    case 'compare': {
      const left = operandValue(condition.left, item);
      const right = operandValue(condition.right, item);
      if (left === undefined || right === undefined) return condition.comparator === '<>';
      if (condition.comparator === '=') return valuesEqual(left, right);
      if (condition.comparator === '<>') return !valuesEqual(left, right);
      const order = compareOrdered(left, right);
      if (order === undefined) return false;
      if (condition.comparator === '<') return order < 0;
      if (condition.comparator === '<=') return order <= 0;
      if (condition.comparator === '>') return order > 0;
      return order >= 0;
    }
    case 'between': {
      const subject = operandValue(condition.subject, item);
      const low = operandValue(condition.low, item);
      const high = operandValue(condition.high, item);
      if (subject === undefined || low === undefined || high === undefined) return false;
      const fromLow = compareOrdered(subject, low);
      const toHigh = compareOrdered(subject, high);
      return fromLow !== undefined && toHigh !== undefined && fromLow >= 0 && toHigh <= 0;
    }
    case 'in': {
      const subject = operandValue(condition.subject, item);
      return (
        subject !== undefined &&
        condition.candidates.some((candidate) => {
          const value = operandValue(candidate, item);
          return value !== undefined && valuesEqual(subject, value);
        })
      );
    }
    case 'begins_with': {
      const subject = operandValue(condition.subject, item);
      const prefix = operandValue(condition.operand, item);
      return subject !== undefined && prefix !== undefined && beginsWith(subject, prefix);
    }
    case 'contains': {
      const subject = operandValue(condition.subject, item);
      const operand = operandValue(condition.operand, item);
      return subject !== undefined && operand !== undefined && contains(subject, operand);
    }
  }
}

export function beginsWith(value: AttributeValue, prefix: AttributeValue): boolean {
  if ('S' in value) return 'S' in prefix && value.S.startsWith(prefix.S);
  if ('B' in value && 'B' in prefix) {
    const bytes = Buffer.from(value.B, 'base64');
    const start = Buffer.from(prefix.B, 'base64');
    return bytes.subarray(0, start.length).equals(start);
  }
  return false;
}

function contains(value: AttributeValue, operand: AttributeValue): boolean {
  if ('S' in value) return 'S' in operand && value.S.includes(operand.S);
  if ('B' in value)
    return 'B' in operand && Buffer.from(value.B, 'base64').includes(Buffer.from(operand.B, 'base64'));
  if ('SS' in value) return 'S' in operand && value.SS.includes(operand.S);
  if ('NS' in value) return 'N' in operand && value.NS.includes(operand.N);
  if ('BS' in value) return 'B' in operand && value.BS.includes(operand.B);
  if ('L' in value) return value.L.some((element) => valuesEqual(element, operand));
  return false;
}

function operandValue(operand: Operand, item: Item | undefined): AttributeValue | undefined {
  if (operand.kind === 'value') return operand.value;
  const value = resolvePath(item, operand.path);
  if (operand.kind === 'path' || value === undefined) return value;
  // size(): characters of a string, bytes of a binary, members of a set, list or map.
  if ('S' in value) return { N: String(value.S.length) };
  if ('B' in value) return { N: String(binaryLength(value.B)) };
  if ('M' in value) return { N: String(Object.keys(value.M).length) };
  for (const tag of ['L', 'SS', 'NS', 'BS'] as const) {
    if (tag in value) return { N: String((value as Record<typeof tag, readonly unknown[]>)[tag].length) };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Updates.

/**
 * Applies an update expression. Every operand reads the item as it was before the update, as in
 * DynamoDB; errors that depend on the stored item are ValidationErrors (a transaction reports
 * them as its ValidationError cancellation reason).
 */
export function applyUpdate(item: Item, actions: readonly UpdateAction[]): Item {
  const writes: { path: Path; value: AttributeValue | undefined }[] = [];
  for (const action of actions) {
    if (action.kind === 'SET') writes.push({ path: action.path, value: updateValue(action.value, item) });
    else if (action.kind === 'ADD' || action.kind === 'DELETE') {
      writes.push({
        path: action.path,
        value: addOrDelete(action.kind, resolvePath(item, action.path), action.value),
      });
    }
  }
  // Removals last and highest list index first, so `REMOVE l[1], l[2]` removes both original elements.
  const removals = actions
    .filter((action) => action.kind === 'REMOVE')
    .map((action) => action.path)
    .sort((a, b) => -comparePaths(a, b));
  let root: AttributeValue = { M: item };
  for (const { path, value } of writes) root = writeAt(root, path, 0, value);
  for (const path of removals) root = writeAt(root, path, 0, undefined);
  return (root as { M: Item }).M;
}

function updateValue(value: UpdateValue, item: Item): AttributeValue {
  switch (value.kind) {
    case 'value':
      return value.value;
    case 'path': {
      const found = resolvePath(item, value.path);
      if (found === undefined) {
        throw new ValidationError(
          'The provided expression refers to an attribute that does not exist in the item',
        );
      }
      return found;
    }
    case 'if_not_exists':
      return resolvePath(item, value.path) ?? updateValue(value.fallback, item);
    case 'list_append': {
      const left = updateValue(value.left, item);
      const right = updateValue(value.right, item);
      if (!('L' in left) || !('L' in right)) throw incorrectType();
      return { L: [...left.L, ...right.L] };
    }
    default: {
      const left = updateValue(value.left, item);
      const right = updateValue(value.right, item);
      if (!('N' in left) || !('N' in right)) throw incorrectType();
      return { N: addNumbers(left.N, right.N, value.kind === '-') };
    }
  }
}

/** ADD to a number or a set (absent: the operand itself); DELETE from a set (emptied: removed). */
function addOrDelete(
  kind: 'ADD' | 'DELETE',
  current: AttributeValue | undefined,
  operand: AttributeValue,
): AttributeValue | undefined {
  const tag = typeOf(operand);
  if (current === undefined) return kind === 'ADD' ? operand : undefined;
  if (typeOf(current) !== tag) throw incorrectType();
  if ('N' in current && 'N' in operand) return { N: addNumbers(current.N, operand.N) };
  const members = payloadOf(current) as readonly string[];
  const change = payloadOf(operand) as readonly string[];
  const setTag = tag as SetTag;
  if (kind === 'ADD') return setOf(setTag, [...new Set([...members, ...change])]);
  const removed = new Set(change);
  const kept = members.filter((member) => !removed.has(member));
  return kept.length === 0 ? undefined : setOf(setTag, kept);
}

function incorrectType(): ValidationError {
  return new ValidationError('An operand in the update expression has an incorrect data type');
}

/** A copy of `container` with the value at `path` replaced (undefined: removed). */
function writeAt(
  container: AttributeValue,
  path: Path,
  depth: number,
  value: AttributeValue | undefined,
): AttributeValue {
  const element = path[depth]!;
  const last = depth === path.length - 1;
  if (typeof element === 'string') {
    if (!('M' in container)) throw invalidPath();
    const members: Record<string, AttributeValue> = { ...container.M };
    const child = members[element];
    if (last) {
      if (value === undefined) delete members[element];
      else members[element] = value;
    } else {
      if (child === undefined) throw invalidPath();
      members[element] = writeAt(child, path, depth + 1, value);
    }
    return { M: members };
  }
  if (!('L' in container)) throw invalidPath();
  const elements = [...container.L];
  if (last) {
    // Past the end, SET appends and REMOVE does nothing.
    if (value === undefined) elements.splice(element, 1);
    else elements[Math.min(element, elements.length)] = value;
  } else {
    const child = elements[element];
    if (child === undefined) throw invalidPath();
    elements[element] = writeAt(child, path, depth + 1, value);
  }
  return { L: elements };
}

function invalidPath(): ValidationError {
  return new ValidationError('The document path provided in the update expression is invalid for update');
}

function comparePaths(a: Path, b: Path): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const [x, y] = [a[index]!, b[index]!];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Projections.

interface ProjectionNode {
  leaf: boolean;
  readonly children: Map<PathElement, ProjectionNode>;
}

/**
 * The parts of the item the paths name. List elements come back in index order, packed
 * (`l[1], l[3]` gives a two-element list), as DynamoDB returns them.
 */
export function project(item: Item, paths: readonly Path[]): Item {
  const root: ProjectionNode = { leaf: false, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const element of path) {
      let child = node.children.get(element);
      if (child === undefined) {
        child = { leaf: false, children: new Map() };
        node.children.set(element, child);
      }
      node = child;
    }
    node.leaf = true;
  }
  return ((extract({ M: item }, root) as { M: Item } | undefined) ?? { M: {} }).M;
}

function extract(value: AttributeValue, node: ProjectionNode): AttributeValue | undefined {
  if (node.leaf) return value;
  if ('M' in value) {
    const members: Record<string, AttributeValue> = {};
    for (const [element, child] of node.children) {
      const member = typeof element === 'string' ? value.M[element] : undefined;
      const picked = member === undefined ? undefined : extract(member, child);
      if (picked !== undefined) members[element as string] = picked;
    }
    return Object.keys(members).length > 0 ? { M: members } : undefined;
  }
  if ('L' in value) {
    const indexes = [...node.children.keys()].filter((key): key is number => typeof key === 'number');
    const elements = indexes
      .sort((a, b) => a - b)
      .map((index) =>
        value.L[index] === undefined ? undefined : extract(value.L[index]!, node.children.get(index)!),
      )
      .filter((element): element is AttributeValue => element !== undefined);
    return elements.length > 0 ? { L: elements } : undefined;
  }
  return undefined;
}
