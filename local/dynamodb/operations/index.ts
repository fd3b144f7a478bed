/** The DynamoDB API operations this server answers, by their X-Amz-Target name. */
import type { Input, OperationContext } from './input';
import { batchGetItem, getItem, query, scan, transactGetItems } from './reads';
import {
  createTable,
  deleteTable,
  describeTable,
  describeTimeToLive,
  listTables,
  updateTimeToLive,
} from './tables';
import { batchWriteItem, TransactionTokens, transactWriteItems } from './transactions';
import { deleteItem, putItem, updateItem } from './writes';

export { type OperationContext, TransactionTokens };

export type Operation = (context: OperationContext, input: Input) => Record<string, unknown>;

export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  Object.entries({
    CreateTable: createTable,
    DeleteTable: deleteTable,
    DescribeTable: describeTable,
    ListTables: listTables,
    UpdateTimeToLive: updateTimeToLive,
    DescribeTimeToLive: describeTimeToLive,
    PutItem: putItem,
    GetItem: getItem,
    UpdateItem: updateItem,
    DeleteItem: deleteItem,
    Query: query,
    Scan: scan,
    BatchGetItem: batchGetItem,
    BatchWriteItem: batchWriteItem,
    TransactGetItems: transactGetItems,
    TransactWriteItems: transactWriteItems,
  }),
);
