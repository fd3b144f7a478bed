/**
 * The capacity model: every limit on the order path at a given order rate, each with what the rate
 * needs, the limit, and the headroom (limit ÷ need). A limit is an AWS quota (cited with its
 * documentation page, raised by a quota request), a per-partition or per-item limit (fixed by the
 * design: more partitions, sharded items), or a setting of the stage (raised in lib/config).
 * Needs are the measured per-order units times the rate.
 */
import { KEYS_IN_FLIGHT_PER_PARTITION } from '../../../lib/config/consumers';
import type { Deployment } from './deployment';
import type { PerOrderUnits } from './units';

/** How a limit is raised. */
export type LimitKind = 'quota' | 'partition' | 'item' | 'stage';

export interface QuotaFigure {
  readonly value: number;
  readonly source: string;
  readonly adjustable: boolean;
}

/** Resolves a quota of `lib/config/aws-quotas.ts` for a region. */
export type QuotaLookup = (id: string, region: string) => QuotaFigure;

export interface QuotaRequest {
  /** The quota id of lib/config/aws-quotas.ts. */
  readonly quota: string;
  /** The value to ask for in Service Quotas (or from AWS Support). */
  readonly value: number;
}

export interface LimitRow {
  readonly id: string;
  readonly what: string;
  readonly kind: LimitKind;
  readonly need: number;
  readonly limit: number;
  readonly unit: string;
  readonly headroom: number;
  readonly source: string;
  /** Set for quota rows: the quota id, and the request the stage names for it, if any. */
  readonly quota?: string;
  readonly request?: QuotaRequest;
}

export interface ModelInput {
  readonly deployment: Deployment;
  readonly units: PerOrderUnits;
  readonly ordersPerSecond: number;
  readonly region: string;
  readonly quotas: QuotaLookup;
  readonly quotaRequests: readonly QuotaRequest[];
}

const GIB = 2 ** 30;

/** Quota ids the model reads from lib/config/aws-quotas.ts. */
export const MODEL_QUOTAS = {
  sfnStartExecution: 'sfn-standard-start-execution-refill',
  sfnTransitions: 'sfn-standard-state-transitions-refill',
  sfnSendTask: 'sfn-send-task-success-refill',
  lambdaConcurrency: 'lambda-concurrent-executions',
  apiAccountThrottle: 'apigateway-account-throttle-rate',
  dynamodbPartitionWrite: 'dynamodb-partition-write-units',
  dynamodbPartitionRead: 'dynamodb-partition-read-units',
  dynamodbTableWrite: 'dynamodb-on-demand-table-write-units',
  dynamodbTableRead: 'dynamodb-on-demand-table-read-units',
  mskPartitionsPerBroker: 'msk-partitions-per-broker',
  esmPollerThroughput: 'esm-kafka-poller-throughput',
  sesSendRate: 'ses-sending-rate',
} as const;

/** Writes and reads of a table, each against its own table and per-partition limit. */
const DYNAMODB_UNIT_KINDS = [
  {
    name: 'write',
    units: 'writeUnits',
    unit: 'WRU/s',
    verb: 'written',
    tableQuota: MODEL_QUOTAS.dynamodbTableWrite,
    itemQuota: MODEL_QUOTAS.dynamodbPartitionWrite,
  },
  {
    name: 'read',
    units: 'readUnits',
    unit: 'RRU/s',
    verb: 'read',
    tableQuota: MODEL_QUOTAS.dynamodbTableRead,
    itemQuota: MODEL_QUOTAS.dynamodbPartitionRead,
  },
] as const;

function row(
  input: ModelInput,
  spec: Omit<LimitRow, 'headroom' | 'request' | 'source' | 'limit'> & { limit?: number; source?: string },
): LimitRow {
  let { limit, source } = spec;
  let request: QuotaRequest | undefined;
  if (spec.quota) {
    const figure = input.quotas(spec.quota, input.region);
    limit ??= figure.value;
    source ??= figure.source;
    request = input.quotaRequests.find((candidate) => candidate.quota === spec.quota);
  }
  if (limit === undefined || source === undefined) {
    throw new RangeError(`Limit ${spec.id} has no value or no source`);
  }
  const headroom = spec.need > 0 ? limit / spec.need : Number.POSITIVE_INFINITY;
  return { ...spec, limit, source, headroom, ...(request ? { request } : {}) };
}

/** Records each of the function's invocations handles, from the topics its mappings read. */
function recordsPerOrderOf(input: ModelInput, functionLogicalId: string): number {
  return input.deployment.mappings
    .filter((mapping) => mapping.functionLogicalId === functionLogicalId)
    .reduce((sum, mapping) => sum + topicUnits(input, mapping.topic).records, 0);
}

function topicUnits(input: ModelInput, topic: string): { records: number; bytes: number } {
  return input.units.topics.find((candidate) => candidate.topic === topic) ?? { records: 0, bytes: 0 };
}

/** Every limit on the order path at `input.ordersPerSecond`. */
export function capacityLimits(input: ModelInput): LimitRow[] {
  const { deployment, units, ordersPerSecond: rate } = input;
  const rows: LimitRow[] = [];

  // API Gateway: the stage's own throttle, then the account's.
  const apiRequests = rate * units.api.requests;
  rows.push(
    row(input, {
      id: 'api-stage-throttle',
      what: `API stage throttle (POST /orders and the status GETs, ${units.api.requests} requests per order)`,
      kind: 'stage',
      need: apiRequests,
      limit: deployment.api.rateLimit,
      unit: 'requests/s',
      source: 'lib/config/stages.ts apiThrottle',
    }),
    row(input, {
      id: 'api-account-throttle',
      what: 'API Gateway account-level throttle (every API of the account and region)',
      kind: 'quota',
      need: apiRequests,
      unit: 'requests/s',
      quota: MODEL_QUOTAS.apiAccountThrottle,
    }),
  );

  // Step Functions Standard.
  rows.push(
    row(input, {
      id: 'sfn-start-execution',
      what: 'Step Functions StartExecution refill rate',
      kind: 'quota',
      need: rate * units.stepFunctions.executions,
      unit: 'executions/s',
      quota: MODEL_QUOTAS.sfnStartExecution,
    }),
    row(input, {
      id: 'sfn-state-transitions',
      what: `Step Functions state transitions (${units.stepFunctions.transitions} per order)`,
      kind: 'quota',
      need: rate * units.stepFunctions.transitions,
      unit: 'transitions/s',
      quota: MODEL_QUOTAS.sfnTransitions,
    }),
    row(input, {
      id: 'sfn-send-task',
      what: `Step Functions SendTask* callbacks (${units.stepFunctions.sendTaskCalls} per order)`,
      kind: 'quota',
      need: rate * units.stepFunctions.sendTaskCalls,
      unit: 'calls/s',
      quota: MODEL_QUOTAS.sfnSendTask,
    }),
  );

  // Lambda: concurrency by Little's law, arrivals times time in the function.
  const concurrency = units.functions.reduce(
    (sum, fn) => sum + rate * fn.invocations * (fn.billedMsPerInvocation / 1000),
    0,
  );
  rows.push(
    row(input, {
      id: 'lambda-concurrency',
      what: 'Lambda concurrent executions (all functions, invocations/s x duration)',
      kind: 'quota',
      need: concurrency,
      unit: 'executions',
      quota: MODEL_QUOTAS.lambdaConcurrency,
    }),
  );

  // Event source mappings: one invocation at a time per partition; inside it, up to
  // KEYS_IN_FLIGHT_PER_PARTITION orders at once (bounded by the batch), each order's records in order.
  for (const mapping of deployment.mappings) {
    const topic = deployment.topics.find((candidate) => candidate.name === mapping.topic);
    const fn = units.functions.find((candidate) => candidate.logicalId === mapping.functionLogicalId);
    const records = recordsPerOrderOf(input, mapping.functionLogicalId);
    if (!topic || !fn || fn.invocations === 0 || records === 0) continue;
    const msPerRecord = (fn.invocations * fn.billedMsPerInvocation) / records;
    const perTopic = topicUnits(input, mapping.topic);
    const pollerThroughput = input.quotas(MODEL_QUOTAS.esmPollerThroughput, input.region);
    const inFlight = Math.min(KEYS_IN_FLIGHT_PER_PARTITION, mapping.batchSize);
    rows.push(
      row(input, {
        id: `partition-throughput ${mapping.topic} -> ${mapping.functionLogicalId}`,
        what: `${mapping.topic} read by ${mapping.functionLogicalId}: ${topic.partitions} partitions x ${inFlight} orders at once, ${msPerRecord.toFixed(1)} ms per record`,
        kind: 'partition',
        need: rate * perTopic.records,
        limit: (topic.partitions * inFlight * 1000) / msPerRecord,
        unit: 'records/s',
        source: 'https://docs.aws.amazon.com/lambda/latest/dg/with-msk-configure.html',
      }),
      row(input, {
        id: `poller-throughput ${mapping.topic} -> ${mapping.functionLogicalId}`,
        what: `${mapping.topic} pollers of ${mapping.functionLogicalId} (at most ${mapping.maximumPollers})`,
        kind: 'stage',
        need: (rate * perTopic.bytes) / 1e6,
        limit: mapping.maximumPollers * pollerThroughput.value,
        unit: 'MB/s',
        source: pollerThroughput.source,
      }),
    );
  }

  // DynamoDB: a single item lives on one partition, so an item every order writes is capped there.
  for (const table of units.dynamodb) {
    for (const kind of DYNAMODB_UNIT_KINDS) {
      if (table[kind.units] > 0) {
        rows.push(
          row(input, {
            id: `dynamodb-table-${kind.name} ${table.table}`,
            what: `${table.table} table ${kind.name} units (on-demand table maximum)`,
            kind: 'quota',
            need: rate * table[kind.units],
            unit: kind.unit,
            quota: kind.tableQuota,
          }),
        );
      }
      for (const hot of table.hotKeys) {
        if (hot[kind.units] === 0) continue;
        rows.push(
          row(input, {
            id: `dynamodb-item-${kind.name} ${table.table} ${hot.key}`,
            what: `${table.table} item '${hot.key}', ${kind.verb} by every order`,
            kind: 'item',
            need: rate * hot[kind.units],
            unit: kind.unit,
            quota: kind.itemQuota,
          }),
        );
      }
    }
  }

  // MSK: storage for each topic's retention at this rate, and partitions per broker.
  const storedBytes = deployment.topics.reduce(
    (sum, topic) =>
      sum +
      rate * topicUnits(input, topic.name).bytes * topic.retentionHours * 3600 * topic.replicationFactor,
    0,
  );
  rows.push(
    row(input, {
      id: 'msk-storage',
      what: 'MSK storage per broker for every topic held its retention at this rate (replicas included)',
      kind: 'stage',
      need: storedBytes / deployment.brokers.count / GIB,
      limit: deployment.brokers.volumeGiB,
      unit: 'GiB per broker',
      source: 'lib/config/stages.ts brokerVolumeGiB, lib/config/topics.ts retentionHours',
    }),
  );
  const replicas = deployment.topics.reduce(
    (sum, topic) => sum + topic.partitions * topic.replicationFactor,
    0,
  );
  rows.push(
    row(input, {
      id: 'msk-partitions-per-broker',
      what: `MSK partitions per broker (${deployment.brokers.instanceType}, replicas included)`,
      kind: 'quota',
      need: replicas / deployment.brokers.count,
      unit: 'partitions',
      quota: `${MODEL_QUOTAS.mskPartitionsPerBroker} ${deployment.brokers.instanceType}`,
    }),
  );

  rows.push(
    row(input, {
      id: 'ses-send-rate',
      what: `SES sending rate (${units.emails} e-mails per order)`,
      kind: 'quota',
      need: rate * units.emails,
      unit: 'e-mails/s',
      quota: MODEL_QUOTAS.sesSendRate,
    }),
  );
  return rows;
}

export interface HeadroomFinding {
  readonly row: LimitRow;
  readonly problem: string;
}

/**
 * The limits below `minimum` headroom that the stage does not cover: a quota without a request for
 * a value that restores the headroom, or any other kind of limit (which only the design or the
 * stage config can raise).
 */
export function headroomFindings(rows: readonly LimitRow[], minimum: number): HeadroomFinding[] {
  const findings: HeadroomFinding[] = [];
  for (const candidate of rows) {
    if (candidate.headroom >= minimum) continue;
    if (candidate.kind === 'quota' && candidate.request) {
      const requested = candidate.request.value / candidate.need;
      if (requested >= minimum) continue;
      findings.push({
        row: candidate,
        problem: `the requested ${candidate.request.value} gives ${requested.toFixed(2)}x, under ${minimum}x`,
      });
      continue;
    }
    findings.push({
      row: candidate,
      problem:
        candidate.kind === 'quota'
          ? `headroom ${candidate.headroom.toFixed(2)}x and no quota request in the stage config`
          : `headroom ${candidate.headroom.toFixed(2)}x (a ${candidate.kind} limit: change the design or the stage)`,
    });
  }
  return findings;
}
