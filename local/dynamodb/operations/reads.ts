/**
 * GetItem, Query, Scan, BatchGetItem and TransactGetItems. Query and Scan read pages as DynamoDB
 * does: at most Limit items and 1 MB of stored data are examined (before the filter), and a page
 * that stops early ends with LastEvaluatedKey.
 */
import { type CapacityMeter, readFactor, readUnitsFor, TRANSACTIONAL } from '../capacity';
import type { Database } from '../database';
import { ValidationError } from '../errors';
import { ExpressionAttributes } from '../expressions/attributes';
import { evaluate, project } from '../expressions/evaluator';
import { keyConditionOf } from '../expressions/key-condition';
import { type Condition, type Path, parseCondition, parseProjection } from '../expressions/parser';
import type { SortedIndex, Table } from '../table';
import { checkAttributes, type Item, itemSize, typeOf, valuesEqual } from '../values';
import {
  asInput,
  enumeration,
  type Input,
  type OperationContext,
  optionalBoolean,
  optionalInteger,
  optionalString,
  refuseLegacy,
  requiredList,
  requiredString,
  requiredValue,
  tableName,
} from './input';

const PAGE_BYTES = 1024 * 1024;
const MAX_BATCH_GET_KEYS = 100;
const MAX_TRANSACT_ITEMS = 100;
const SELECT = ['ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT'] as const;
type Select = (typeof SELECT)[number];

function projectionOf(input: Input, attributes: ExpressionAttributes): Path[] | undefined {
  const text = optionalString(input, 'ProjectionExpression');
  return text === undefined ? undefined : parseProjection(text, attributes);
}

/** Key, ProjectionExpression and names of a GetItem, or of one table or action of a batch. */
function prepareGet(table: Table, input: Input, key: unknown): { key: Item; paths: Path[] | undefined } {
  refuseLegacy(input, ['AttributesToGet']);
  const attributes = new ExpressionAttributes(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  const paths = projectionOf(input, attributes);
  attributes.assertAllUsed();
  return { key: table.checkKey(key), paths };
}

/**
 * Reads one item and meters it: the whole stored item counts, whatever the projection, and a
 * missing item still costs the minimum (read-write-operations.html#read-operation-consumption).
 */
function read(
  capacity: CapacityMeter,
  table: Table,
  key: Item,
  paths: Path[] | undefined,
  factor: number,
): Item | undefined {
  const item = table.get(key);
  capacity.read(table, key, readUnitsFor(item === undefined ? 0 : itemSize(item), factor));
  return item === undefined || paths === undefined ? item : project(item, paths);
}

export function getItem({ db, capacity }: OperationContext, input: Input): Record<string, unknown> {
  const table = db.table(tableName(input));
  const consistent = optionalBoolean(input, 'ConsistentRead') ?? false;
  const { key, paths } = prepareGet(table, input, requiredValue(input, 'Key'));
  capacity.request(table.name, 'GetItem');
  const item = read(capacity, table, key, paths, readFactor(consistent));
  return item === undefined ? {} : { Item: item };
}

export function batchGetItem({ db, capacity }: OperationContext, input: Input): Record<string, unknown> {
  const requests = Object.entries(asInput(requiredValue(input, 'RequestItems'), 'RequestItems'));
  if (requests.length === 0) throw new ValidationError('The requestItems parameter must not be empty');
  let total = 0;
  const prepared = requests.map(([name, raw]) => {
    const table = db.table(name);
    const request = asInput(raw, name);
    const keys = requiredList(request, 'Keys', 1, MAX_BATCH_GET_KEYS);
    total += keys.length;
    const consistent = optionalBoolean(request, 'ConsistentRead') ?? false;
    const gets = keys.map((key) => prepareGet(table, request, key));
    if (new Set(gets.map((get) => table.keyId(get.key))).size !== gets.length) {
      throw new ValidationError('Provided list of item keys contains duplicates');
    }
    return { table, gets, consistent };
  });
  if (total > MAX_BATCH_GET_KEYS)
    throw new ValidationError('Too many items requested for the BatchGetItem call');
  const responses: Record<string, Item[]> = {};
  // DynamoDB charges each item of a batch as its own GetItem, each rounded up to 4 KB.
  for (const { table, gets, consistent } of prepared) {
    capacity.request(table.name, 'BatchGetItem');
    responses[table.name] = gets
      .map(({ key, paths }) => read(capacity, table, key, paths, readFactor(consistent)))
      .filter((item): item is Item => item !== undefined);
  }
  return { Responses: responses, UnprocessedKeys: {} };
}

export function transactGetItems({ db, capacity }: OperationContext, input: Input): Record<string, unknown> {
  const gets = requiredList(input, 'TransactItems', 1, MAX_TRANSACT_ITEMS).map((raw) => {
    const get = asInput(requiredValue(asInput(raw, 'TransactItem'), 'Get'), 'Get');
    const table = db.table(tableName(get));
    return { table, ...prepareGet(table, get, requiredValue(get, 'Key')) };
  });
  if (new Set(gets.map((get) => `${get.table.name}\u0000${get.table.keyId(get.key)}`)).size !== gets.length) {
    throw new ValidationError('Transaction request cannot include multiple operations on one item');
  }
  for (const name of new Set(gets.map((get) => get.table.name))) capacity.request(name, 'TransactGetItems');
  return {
    Responses: gets.map(({ table, key, paths }) => {
      const item = read(capacity, table, key, paths, TRANSACTIONAL);
      return item === undefined ? {} : { Item: item };
    }),
  };
}

interface PageRequest {
  readonly table: Table;
  readonly consistent: boolean;
  readonly index: SortedIndex;
  readonly filter: Condition | undefined;
  readonly paths: Path[] | undefined;
  readonly select: Select;
  readonly limit: number | undefined;
  readonly startKey: Item | undefined;
}

/** What Query and Scan share: index, filter, projection, Select, Limit, ExclusiveStartKey. */
function preparePage(
  db: Database,
  input: Input,
  operation: 'Query' | 'Scan',
): PageRequest & { keyCondition?: ReturnType<typeof keyConditionOf> } {
  const table = db.table(tableName(input));
  refuseLegacy(input, [
    'AttributesToGet',
    'KeyConditions',
    'QueryFilter',
    'ScanFilter',
    'ConditionalOperator',
  ]);
  const indexName = optionalString(input, 'IndexName');
  const index = indexName === undefined ? table.primary : table.index(indexName);
  const global = index.definition?.global === true;
  const consistent = optionalBoolean(input, 'ConsistentRead') ?? false;
  if (consistent && global) {
    throw new ValidationError('Consistent reads are not supported on global secondary indexes');
  }
  const attributes = new ExpressionAttributes(
    input.ExpressionAttributeNames,
    input.ExpressionAttributeValues,
  );
  const keyCondition =
    operation === 'Query'
      ? keyConditionOf(
          parseCondition(
            requiredString(input, 'KeyConditionExpression'),
            'KeyConditionExpression',
            attributes,
          ),
          index.key,
        )
      : undefined;
  const filterText = optionalString(input, 'FilterExpression');
  const filter =
    filterText === undefined ? undefined : parseCondition(filterText, 'FilterExpression', attributes);
  const paths = projectionOf(input, attributes);
  attributes.assertAllUsed();

  const fallback: Select = paths
    ? 'SPECIFIC_ATTRIBUTES'
    : indexName
      ? 'ALL_PROJECTED_ATTRIBUTES'
      : 'ALL_ATTRIBUTES';
  const select = enumeration(input, 'Select', SELECT, fallback);
  if (paths !== undefined && select !== 'SPECIFIC_ATTRIBUTES') {
    throw new ValidationError(`Cannot specify a ProjectionExpression when Select is ${select}`);
  }
  if (select === 'SPECIFIC_ATTRIBUTES' && paths === undefined) {
    throw new ValidationError('Select SPECIFIC_ATTRIBUTES requires a ProjectionExpression');
  }
  if (select === 'ALL_PROJECTED_ATTRIBUTES' && indexName === undefined) {
    throw new ValidationError('ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName');
  }
  if (select === 'ALL_ATTRIBUTES' && global && index.definition?.projection.type !== 'ALL') {
    throw new ValidationError(
      `One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index ${indexName} because its projection type is not ALL`,
    );
  }
  const limit = optionalInteger(input, 'Limit', 1, Number.MAX_SAFE_INTEGER);
  const startKey = startKeyOf(input, index);
  if (keyCondition && startKey && !valuesEqual(startKey[index.key.hash.name]!, keyCondition.hash)) {
    throw new ValidationError(
      'The provided starting key is outside query boundaries based on provided conditions',
    );
  }
  return { table, consistent, index, filter, paths, select, limit, startKey, keyCondition };
}

function startKeyOf(input: Input, index: SortedIndex): Item | undefined {
  if (input.ExclusiveStartKey === undefined || input.ExclusiveStartKey === null) return undefined;
  const key = checkAttributes(input.ExclusiveStartKey);
  const expected = index.attributes();
  const valid =
    Object.keys(key).length === expected.length &&
    expected.every(({ name, type }) => key[name] !== undefined && typeOf(key[name]!) === type);
  if (!valid)
    throw new ValidationError(
      'The provided starting key is invalid: The provided key element does not match the schema',
    );
  return key;
}

/**
 * Reads one page and meters it: Query and Scan are charged for the total size of the items
 * evaluated (before FilterExpression), rounded up to 4 KB per request, not per item
 * (read-write-operations.html#read-operation-consumption). A global secondary index is charged
 * on the index, with its projected item sizes.
 */
function readPage(
  capacity: CapacityMeter,
  request: PageRequest,
  entries: Iterable<Item>,
  partitionKey: Item | undefined,
): Record<string, unknown> {
  const { index, filter, paths, select, limit } = request;
  // A global index only holds its projection; a local one reads the rest from the table.
  const fromIndex = index.definition?.global === true || select === 'ALL_PROJECTED_ATTRIBUTES';
  const items: Item[] = [];
  let count = 0;
  let scanned = 0;
  let bytes = 0;
  let last: Item | undefined;
  for (const stored of entries) {
    const item = fromIndex ? index.projected(stored) : stored;
    scanned += 1;
    bytes += itemSize(item);
    last = stored;
    if (filter === undefined || evaluate(filter, item)) {
      count += 1;
      if (select !== 'COUNT') items.push(paths === undefined ? item : project(item, paths));
    }
    if (scanned === limit || bytes >= PAGE_BYTES) break;
  }
  const stoppedEarly = last !== undefined && (scanned === limit || bytes >= PAGE_BYTES);
  const units = readUnitsFor(bytes, readFactor(request.consistent));
  if (index.definition?.global === true) capacity.readIndex(request.table.name, index.definition.name, units);
  else capacity.read(request.table, partitionKey, units);
  return {
    ...(select === 'COUNT' ? {} : { Items: items }),
    Count: count,
    ScannedCount: scanned,
    ...(stoppedEarly ? { LastEvaluatedKey: index.startKeyOf(last!) } : {}),
  };
}

export function query({ db, capacity }: OperationContext, input: Input): Record<string, unknown> {
  const request = preparePage(db, input, 'Query');
  const forward = optionalBoolean(input, 'ScanIndexForward') ?? true;
  const { hash, range } = request.keyCondition!;
  capacity.request(request.table.name, 'Query');
  // A Query on the table reads one partition: its units are attributed to that key value.
  const partitionKey =
    request.index === request.table.primary ? { [request.index.key.hash.name]: hash } : undefined;
  return readPage(
    capacity,
    request,
    request.index.query(hash, range, forward, request.startKey),
    partitionKey,
  );
}

export function scan({ db, capacity }: OperationContext, input: Input): Record<string, unknown> {
  const request = preparePage(db, input, 'Scan');
  const total = optionalInteger(input, 'TotalSegments', 1, 1_000_000);
  const segment = optionalInteger(input, 'Segment', 0, 999_999);
  if ((total === undefined) !== (segment === undefined)) {
    throw new ValidationError(
      'The TotalSegments parameter is required but was not present in the request when Segment parameter is present, and vice versa',
    );
  }
  if (total !== undefined && segment! >= total) {
    throw new ValidationError(
      `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${total}`,
    );
  }
  const segments = total === undefined ? undefined : { segment: segment!, total };
  capacity.request(request.table.name, 'Scan');
  // A Scan spans partitions: its units count for the table (or index), not for one key value.
  return readPage(capacity, request, request.index.scan(request.startKey, segments), undefined);
}
