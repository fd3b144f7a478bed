/**
 * PutItem, UpdateItem and DeleteItem, and the write actions TransactWriteItems is made of. A write
 * is prepared first (everything DynamoDB checks without reading the item: a failure there refuses
 * the whole request), then run against the stored item (its condition and the update itself).
 */
import type { Change, Database } from '../database';
import { ConditionalCheckFailedError, ValidationError } from '../errors';
import { ExpressionAttributes } from '../expressions/attributes';
import { applyUpdate, evaluate, project } from '../expressions/evaluator';
import { type Condition, parseCondition, parseUpdate, type UpdateAction } from '../expressions/parser';
import type { Table } from '../table';
import { checkAttributes, type Item } from '../values';
import {
  enumeration,
  type Input,
  type OperationContext,
  optionalString,
  refuseLegacy,
  requiredString,
  requiredValue,
  tableName,
} from './input';

export type WriteKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

export interface PreparedWrite {
  readonly kind: WriteKind;
  readonly table: Table;
  readonly key: Item;
  readonly condition: Condition | undefined;
  /** ReturnValuesOnConditionCheckFailure ALL_OLD: a failed condition reports the stored item. */
  readonly returnOldOnFailure: boolean;
  /** Put: the item to store. */
  readonly item?: Item;
  /** Update: the actions of its UpdateExpression (none: just make sure the item exists). */
  readonly actions?: readonly UpdateAction[];
}

export function prepareWrite(db: Database, kind: WriteKind, input: Input): PreparedWrite {
  const table = db.table(tableName(input));
  refuseLegacy(input, ['Expected', 'ConditionalOperator', 'AttributeUpdates']);
  const attributes = new ExpressionAttributes(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  const conditionText =
    kind === 'ConditionCheck'
      ? requiredString(input, 'ConditionExpression')
      : optionalString(input, 'ConditionExpression');
  const condition =
    conditionText === undefined
      ? undefined
      : parseCondition(conditionText, 'ConditionExpression', attributes);
  let item: Item | undefined;
  let key: Item;
  if (kind === 'Put') {
    item = checkAttributes(requiredValue(input, 'Item'));
    table.checkItem(item);
    key = table.keyOf(item);
  } else {
    key = table.checkKey(requiredValue(input, 'Key'));
  }
  let actions: UpdateAction[] | undefined;
  if (kind === 'Update') {
    const updateText = optionalString(input, 'UpdateExpression');
    actions = updateText === undefined ? [] : parseUpdate(updateText, attributes);
    const keyNames = Object.keys(key);
    const onKey = actions.find((action) => keyNames.includes(action.path[0] as string));
    if (onKey) {
      throw new ValidationError(
        `One or more parameter values were invalid: Cannot update attribute ${onKey.path[0]}. This attribute is part of the key`,
      );
    }
  }
  attributes.assertAllUsed();
  const onFailure = enumeration(input, 'ReturnValuesOnConditionCheckFailure', ['ALL_OLD', 'NONE'], 'NONE');
  return { kind, table, key, condition, returnOldOnFailure: onFailure === 'ALL_OLD', item, actions };
}

/** Throws ConditionalCheckFailedError if the stored item (undefined: none) fails the condition. */
export function checkCondition(write: PreparedWrite, old: Item | undefined): void {
  if (write.condition !== undefined && !evaluate(write.condition, old)) {
    throw new ConditionalCheckFailedError(write.returnOldOnFailure ? old : undefined);
  }
}

/** The item after the write (undefined: none). Errors that depend on the stored item are ValidationErrors. */
export function resultOf(write: PreparedWrite, old: Item | undefined): Item | undefined {
  switch (write.kind) {
    case 'Put':
      return write.item;
    case 'Delete':
      return undefined;
    case 'ConditionCheck':
      return old;
    case 'Update': {
      // UpdateItem creates the item from its key when there is none.
      const next = applyUpdate(old ?? write.key, write.actions ?? []);
      write.table.checkItem(next);
      return next;
    }
  }
}

/** The effective change, if any: a delete of an absent item or a condition check writes nothing. */
export function changeOf(
  write: PreparedWrite,
  old: Item | undefined,
  next: Item | undefined,
): Change | undefined {
  if (write.kind === 'ConditionCheck') return undefined;
  if (next !== undefined) return { table: write.table.name, put: next };
  return old === undefined ? undefined : { table: write.table.name, delete: write.key };
}

/** Runs one prepared write: condition, result, journal, capacity; answers the stored item before and after. */
function runWrite(
  { db, capacity }: OperationContext,
  write: PreparedWrite,
  operation: string,
): { old: Item | undefined; next: Item | undefined } {
  const old = write.table.get(write.key);
  capacity.request(write.table.name, operation);
  try {
    checkCondition(write, old);
  } catch (error) {
    capacity.write(write.table, write.key, old, old, 1, true);
    throw error;
  }
  const next = resultOf(write, old);
  const change = changeOf(write, old, next);
  if (change !== undefined) db.commit({ writes: [change] });
  capacity.write(write.table, write.key, old, next);
  return { old, next };
}

export function putItem(context: OperationContext, input: Input): Record<string, unknown> {
  const write = prepareWrite(context.db, 'Put', input);
  const returnValues = enumeration(input, 'ReturnValues', ['NONE', 'ALL_OLD'], 'NONE');
  const { old } = runWrite(context, write, 'PutItem');
  return returnValues === 'ALL_OLD' && old !== undefined ? { Attributes: old } : {};
}

export function deleteItem(context: OperationContext, input: Input): Record<string, unknown> {
  const write = prepareWrite(context.db, 'Delete', input);
  const returnValues = enumeration(input, 'ReturnValues', ['NONE', 'ALL_OLD'], 'NONE');
  const { old } = runWrite(context, write, 'DeleteItem');
  return returnValues === 'ALL_OLD' && old !== undefined ? { Attributes: old } : {};
}

export function updateItem(context: OperationContext, input: Input): Record<string, unknown> {
  const write = prepareWrite(context.db, 'Update', input);
  const returnValues = enumeration(
    input,
    'ReturnValues',
    ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'],
    'NONE',
  );
  const { old, next } = runWrite(context, write, 'UpdateItem');
  // UPDATED_*: only the document paths the update expression named.
  const paths = (write.actions ?? []).map((action) => action.path);
  const attributes =
    returnValues === 'ALL_OLD'
      ? old
      : returnValues === 'ALL_NEW'
        ? next
        : returnValues === 'UPDATED_OLD' && old !== undefined
          ? project(old, paths)
          : returnValues === 'UPDATED_NEW' && next !== undefined
            ? project(next, paths)
            : undefined;
  return attributes !== undefined && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
}
