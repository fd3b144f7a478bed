/**
 * CreateTable, DeleteTable, DescribeTable, ListTables, UpdateTimeToLive and DescribeTimeToLive.
 * A table is ACTIVE as soon as it is created (DynamoDB reports CREATING for a few seconds).
 */
import { randomUUID } from 'node:crypto';
import { ResourceInUseError, ValidationError } from '../errors';
import type { IndexDefinition, KeyAttribute, KeySchema, ProjectionType, Table, Throughput } from '../table';
import { itemSize, type KeyType } from '../values';
import {
  asInput,
  enumeration,
  type Input,
  type OperationContext,
  optionalBoolean,
  optionalInteger,
  optionalList,
  optionalMap,
  optionalString,
  requiredList,
  requiredString,
  requiredValue,
  tableName,
} from './input';

/** ARNs name a placeholder region and account: the database is shared by all of them. */
const ARN_PREFIX = 'arn:aws:dynamodb:local:000000000000:table/';
const KEY_TYPES: readonly KeyType[] = ['S', 'N', 'B'];
const PROJECTION_TYPES: readonly ProjectionType[] = ['ALL', 'KEYS_ONLY', 'INCLUDE'];
const STREAM_VIEW_TYPES = ['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'] as const;
const MAX_GLOBAL_INDEXES = 20;
const MAX_LOCAL_INDEXES = 5;
const MAX_CAPACITY_UNITS = 40_000;

function invalid(message: string): ValidationError {
  return new ValidationError(`One or more parameter values were invalid: ${message}`);
}

export function createTable({ db }: OperationContext, input: Input): Record<string, unknown> {
  const name = tableName(input);
  const attributes = new Map<string, KeyType>();
  for (const raw of requiredList(input, 'AttributeDefinitions', 1)) {
    const definition = asInput(raw, 'AttributeDefinition');
    const attribute = requiredString(definition, 'AttributeName');
    requiredString(definition, 'AttributeType');
    if (attributes.has(attribute))
      throw invalid(`Duplicate AttributeName in AttributeDefinitions: ${attribute}`);
    attributes.set(attribute, enumeration(definition, 'AttributeType', KEY_TYPES, 'S'));
  }
  const used = new Set<string>();
  const keySchemaOf = (raw: unknown[]): KeySchema => {
    const elements = raw.map((element) => {
      const schema = asInput(element, 'KeySchemaElement');
      return { name: requiredString(schema, 'AttributeName'), type: requiredString(schema, 'KeyType') };
    });
    if (elements[0]?.type !== 'HASH' || (elements[1] !== undefined && elements[1].type !== 'RANGE')) {
      throw new ValidationError(
        'Invalid KeySchema: the first element must be the HASH key and the second, if any, the RANGE key',
      );
    }
    if (elements[1]?.name === elements[0].name) {
      throw invalid('Both the Hash Key and the Range Key element in the KeySchema have the same name');
    }
    const [hash, range] = elements.map(({ name: attribute }): KeyAttribute => {
      const type = attributes.get(attribute);
      if (type === undefined) {
        throw invalid(
          `Some index key attributes are not defined in AttributeDefinitions. Keys: [${elements.map((e) => e.name).join(', ')}], AttributeDefinitions: [${[...attributes.keys()].join(', ')}]`,
        );
      }
      used.add(attribute);
      return { name: attribute, type };
    });
    return { hash: hash!, range };
  };
  const key = keySchemaOf(requiredList(input, 'KeySchema', 1, 2));
  const billingMode = enumeration(
    input,
    'BillingMode',
    ['PROVISIONED', 'PAY_PER_REQUEST'] as const,
    'PROVISIONED',
  );
  const indexes: IndexDefinition[] = [];
  for (const [parameter, global, max] of [
    ['GlobalSecondaryIndexes', true, MAX_GLOBAL_INDEXES],
    ['LocalSecondaryIndexes', false, MAX_LOCAL_INDEXES],
  ] as const) {
    for (const raw of optionalList(input, parameter, 1, max) ?? []) {
      const definition = asInput(raw, parameter);
      const indexName = tableName(definition, 'IndexName');
      if (indexes.some((index) => index.name === indexName))
        throw invalid(`Duplicate index name: ${indexName}`);
      const indexKey = keySchemaOf(requiredList(definition, 'KeySchema', 1, 2));
      if (
        !global &&
        (key.range === undefined || indexKey.hash.name !== key.hash.name || indexKey.range === undefined)
      ) {
        throw invalid(
          `Local secondary index ${indexName} must have the table's hash key and a range key, on a table with a range key`,
        );
      }
      indexes.push({
        name: indexName,
        global,
        key: indexKey,
        projection: projectionOf(asInput(requiredValue(definition, 'Projection'), 'Projection')),
        throughput: global ? throughputOf(definition, billingMode, `index: ${indexName}`) : undefined,
      });
    }
  }
  const unused = [...attributes.keys()].filter((attribute) => !used.has(attribute));
  if (unused.length > 0) {
    throw invalid(
      `Some AttributeDefinitions are not used. AttributeDefinitions: [${[...attributes.keys()].join(', ')}], keys used: [${[...used].join(', ')}]`,
    );
  }
  const throughput = throughputOf(input, billingMode, 'the table');
  const stream = optionalMap(input, 'StreamSpecification');
  const streamEnabled = stream !== undefined && optionalBoolean(stream, 'StreamEnabled') === true;
  if (streamEnabled) requiredString(stream, 'StreamViewType');
  if (db.hasTable(name)) throw new ResourceInUseError(name);
  db.commit({
    createTable: {
      name,
      id: randomUUID(),
      createdAt: Math.floor(Date.now() / 1000),
      key,
      attributes: [...attributes].map(([attribute, type]) => ({ name: attribute, type })),
      indexes,
      billingMode,
      throughput,
      streamViewType: streamEnabled
        ? enumeration(stream, 'StreamViewType', STREAM_VIEW_TYPES, 'KEYS_ONLY')
        : undefined,
    },
  });
  return { TableDescription: describe(db.table(name), 'ACTIVE') };
}

function projectionOf(input: Input): IndexDefinition['projection'] {
  const type = enumeration(input, 'ProjectionType', PROJECTION_TYPES, 'ALL');
  const nonKey = optionalList(input, 'NonKeyAttributes', 1, 100);
  if ((type === 'INCLUDE') !== (nonKey !== undefined)) {
    throw invalid('NonKeyAttributes must be specified exactly when ProjectionType is INCLUDE');
  }
  return { type, nonKeyAttributes: (nonKey ?? []).map(String) };
}

function throughputOf(input: Input, billingMode: string, what: string): Throughput | undefined {
  const raw = optionalMap(input, 'ProvisionedThroughput');
  if (billingMode === 'PAY_PER_REQUEST') {
    if (raw !== undefined) {
      throw invalid(
        'Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
      );
    }
    return undefined;
  }
  const read = raw && optionalInteger(raw, 'ReadCapacityUnits', 1, MAX_CAPACITY_UNITS);
  const write = raw && optionalInteger(raw, 'WriteCapacityUnits', 1, MAX_CAPACITY_UNITS);
  if (read === undefined || write === undefined) {
    throw invalid(
      `ReadCapacityUnits and WriteCapacityUnits must both be specified for ${what} when BillingMode is PROVISIONED`,
    );
  }
  return { read, write };
}

function keySchemaWire({ hash, range }: KeySchema): Record<string, string>[] {
  return [
    { AttributeName: hash.name, KeyType: 'HASH' },
    ...(range ? [{ AttributeName: range.name, KeyType: 'RANGE' }] : []),
  ];
}

function throughputWire(throughput: Throughput | undefined): Record<string, number> {
  return {
    ReadCapacityUnits: throughput?.read ?? 0,
    WriteCapacityUnits: throughput?.write ?? 0,
    NumberOfDecreasesToday: 0,
  };
}

function describe(table: Table, status: 'ACTIVE' | 'DELETING'): Record<string, unknown> {
  const definition = table.definition;
  const arn = ARN_PREFIX + definition.name;
  let tableBytes = 0;
  for (const item of table.all()) tableBytes += itemSize(item);
  const indexes = definition.indexes.map((index) => {
    const sorted = table.index(index.name);
    let count = 0;
    let bytes = 0;
    for (const item of sorted.scan()) {
      count += 1;
      bytes += itemSize(sorted.projected(item));
    }
    return {
      global: index.global,
      description: {
        IndexName: index.name,
        KeySchema: keySchemaWire(index.key),
        Projection: {
          ProjectionType: index.projection.type,
          ...(index.projection.type === 'INCLUDE'
            ? { NonKeyAttributes: index.projection.nonKeyAttributes }
            : {}),
        },
        ...(index.global
          ? { IndexStatus: 'ACTIVE', ProvisionedThroughput: throughputWire(index.throughput) }
          : {}),
        IndexSizeBytes: bytes,
        ItemCount: count,
        IndexArn: `${arn}/index/${index.name}`,
      },
    };
  });
  const globals = indexes.filter((index) => index.global).map((index) => index.description);
  const locals = indexes.filter((index) => !index.global).map((index) => index.description);
  const streamLabel = new Date(definition.createdAt * 1000).toISOString().replace('Z', '');
  return {
    TableName: definition.name,
    TableId: definition.id,
    TableArn: arn,
    TableStatus: status,
    CreationDateTime: definition.createdAt,
    AttributeDefinitions: definition.attributes.map(({ name, type }) => ({
      AttributeName: name,
      AttributeType: type,
    })),
    KeySchema: keySchemaWire(definition.key),
    ItemCount: table.itemCount,
    TableSizeBytes: tableBytes,
    BillingModeSummary: {
      BillingMode: definition.billingMode,
      ...(definition.billingMode === 'PAY_PER_REQUEST'
        ? { LastUpdateToPayPerRequestDateTime: definition.createdAt }
        : {}),
    },
    ProvisionedThroughput: throughputWire(definition.throughput),
    ...(globals.length > 0 ? { GlobalSecondaryIndexes: globals } : {}),
    ...(locals.length > 0 ? { LocalSecondaryIndexes: locals } : {}),
    ...(definition.streamViewType === undefined
      ? {}
      : {
          StreamSpecification: { StreamEnabled: true, StreamViewType: definition.streamViewType },
          LatestStreamLabel: streamLabel,
          LatestStreamArn: `${arn}/stream/${streamLabel}`,
        }),
    DeletionProtectionEnabled: false,
  };
}

export function describeTable({ db }: OperationContext, input: Input): Record<string, unknown> {
  return { Table: describe(db.table(tableName(input)), 'ACTIVE') };
}

export function deleteTable({ db }: OperationContext, input: Input): Record<string, unknown> {
  const table = db.table(tableName(input));
  const description = describe(table, 'DELETING');
  db.commit({ deleteTable: table.name });
  return { TableDescription: description };
}

export function listTables({ db }: OperationContext, input: Input): Record<string, unknown> {
  const after = optionalString(input, 'ExclusiveStartTableName');
  const limit = optionalInteger(input, 'Limit', 1, 100) ?? 100;
  const names = db.tableNames().filter((name) => after === undefined || name > after);
  const page = names.slice(0, limit);
  return { TableNames: page, ...(names.length > limit ? { LastEvaluatedTableName: page.at(-1) } : {}) };
}

export function updateTimeToLive({ db }: OperationContext, input: Input): Record<string, unknown> {
  const table = db.table(tableName(input));
  const specification = asInput(requiredValue(input, 'TimeToLiveSpecification'), 'TimeToLiveSpecification');
  const attribute = requiredString(specification, 'AttributeName');
  const enabled = optionalBoolean(specification, 'Enabled');
  if (enabled === undefined) requiredValue(specification, 'Enabled');
  const current = table.timeToLiveAttribute;
  if (enabled && current !== undefined) throw new ValidationError('TimeToLive is already enabled');
  if (!enabled && current === undefined) throw new ValidationError('TimeToLive is already disabled');
  if (!enabled && current !== attribute) {
    throw new ValidationError(
      `TimeToLive is active on a different AttributeName: current AttributeName is ${current}`,
    );
  }
  db.commit({ timeToLive: { table: table.name, attribute: enabled ? attribute : null } });
  return { TimeToLiveSpecification: { AttributeName: attribute, Enabled: enabled } };
}

export function describeTimeToLive({ db }: OperationContext, input: Input): Record<string, unknown> {
  const attribute = db.table(tableName(input)).timeToLiveAttribute;
  return {
    TimeToLiveDescription:
      attribute === undefined
        ? { TimeToLiveStatus: 'DISABLED' }
        : { TimeToLiveStatus: 'ENABLED', AttributeName: attribute },
  };
}
