import { describe, expect, it } from 'vitest';
import {
  costPerMillionOrders,
  fixedMonthlyCost,
  type PriceLookup,
} from '../../../../scripts/lib/capacity/cost';
import type { Deployment } from '../../../../scripts/lib/capacity/deployment';
import {
  capacityLimits,
  headroomFindings,
  type LimitRow,
  MODEL_QUOTAS,
  type ModelInput,
  type QuotaLookup,
} from '../../../../scripts/lib/capacity/model';
import type { PerOrderUnits } from '../../../../scripts/lib/capacity/units';

const deployment: Deployment = {
  stage: 'prod',
  functions: [
    { logicalId: 'Checkout', memoryMb: 512, architecture: 'arm64' },
    { logicalId: 'PaymentService', memoryMb: 1024, architecture: 'arm64' },
  ],
  mappings: [
    {
      logicalId: 'PaymentMapping',
      topic: 'payments.commands',
      functionLogicalId: 'PaymentService',
      // Fewer than KEYS_IN_FLIGHT_PER_PARTITION: the batch bounds the orders a partition works on at once.
      batchSize: 2,
      minimumPollers: 2,
      maximumPollers: 10,
    },
  ],
  topics: [{ name: 'payments.commands', partitions: 16, replicationFactor: 3, retentionHours: 72 }],
  brokers: { count: 3, instanceType: 'kafka.m7g.xlarge', volumeGiB: 500 },
  api: { rateLimit: 500, burstLimit: 1000 },
  stateMachineType: 'STANDARD',
  fixed: { interfaceEndpointZones: 27, natGateways: 0, kmsKeys: 1, alarms: 35, dashboards: 1, webAcls: 1 },
};

const units: PerOrderUnits = {
  measured: { at: '2026-12-02T20:00:00.000Z', orders: 100, command: 'npm run bench:unit-counts' },
  dynamodb: [
    {
      table: 'analytics',
      readUnits: 0,
      writeUnits: 8,
      hotKeys: [{ key: 'DAY#2026-12-02', readUnits: 0, writeUnits: 4 }],
    },
  ],
  stepFunctions: { executions: 1, transitions: 5, sendTaskCalls: 3 },
  functions: [
    { logicalId: 'Checkout', invocations: 1, billedMsPerInvocation: 50, logBytes: 400 },
    // Two records of payments.commands per order, one invocation each, 100 ms each.
    { logicalId: 'PaymentService', invocations: 2, billedMsPerInvocation: 100, logBytes: 600 },
  ],
  topics: [{ topic: 'payments.commands', records: 2, bytes: 1000 }],
  api: { requests: 3 },
  emails: 1,
};

const QUOTA_VALUES: Record<string, number> = {
  [MODEL_QUOTAS.sfnStartExecution]: 150,
  [MODEL_QUOTAS.sfnTransitions]: 800,
  [MODEL_QUOTAS.sfnSendTask]: 1000,
  [MODEL_QUOTAS.lambdaConcurrency]: 1000,
  [MODEL_QUOTAS.apiAccountThrottle]: 10_000,
  [MODEL_QUOTAS.dynamodbPartitionWrite]: 1000,
  [MODEL_QUOTAS.dynamodbPartitionRead]: 3000,
  [MODEL_QUOTAS.dynamodbTableWrite]: 40_000,
  [MODEL_QUOTAS.dynamodbTableRead]: 40_000,
  [`${MODEL_QUOTAS.mskPartitionsPerBroker} kafka.m7g.xlarge`]: 1000,
  [MODEL_QUOTAS.esmPollerThroughput]: 5,
  [MODEL_QUOTAS.sesSendRate]: 14,
};

const quotas: QuotaLookup = (id) => {
  const value = QUOTA_VALUES[id];
  if (value === undefined) throw new RangeError(`no quota ${id}`);
  return { value, source: `https://docs.aws.amazon.com/${id}`, adjustable: true };
};

function input(overrides: Partial<ModelInput> = {}): ModelInput {
  return {
    deployment,
    units,
    ordersPerSecond: 100,
    region: 'eu-central-1',
    quotas,
    quotaRequests: [],
    ...overrides,
  };
}

function rowOf(rows: readonly LimitRow[], id: string): LimitRow {
  const found = rows.find((row) => row.id === id);
  if (!found) throw new Error(`no row ${id} in ${rows.map((row) => row.id).join(', ')}`);
  return found;
}

describe('capacityLimits', () => {
  it('multiplies the per-order units by the rate and divides the limit by the need', () => {
    // Act
    const rows = capacityLimits(input());

    // Assess
    expect(rowOf(rows, 'api-stage-throttle')).toMatchObject({ need: 300, limit: 500, kind: 'stage' });
    expect(rowOf(rows, 'sfn-state-transitions')).toMatchObject({ need: 500, limit: 800, headroom: 1.6 });
    expect(rowOf(rows, 'sfn-start-execution').headroom).toBe(1.5);
    // 100 orders/s x (1 x 0.05 s + 2 x 0.1 s) = 25 concurrent executions
    expect(rowOf(rows, 'lambda-concurrency').need).toBeCloseTo(25);
    expect(rowOf(rows, 'ses-send-rate')).toMatchObject({ need: 100, limit: 14 });
  });

  it('caps an item every order writes at one partition, and a topic at its partitions times the orders each works on at once', () => {
    // Act
    const rows = capacityLimits(input());

    // Assess: 4 WRU per order on one item at 100 orders/s; 16 partitions x 2 orders at 100 ms per record
    expect(rowOf(rows, 'dynamodb-item-write analytics DAY#2026-12-02')).toMatchObject({
      kind: 'item',
      need: 400,
      limit: 1000,
      headroom: 2.5,
    });
    expect(rowOf(rows, 'partition-throughput payments.commands -> PaymentService')).toMatchObject({
      kind: 'partition',
      need: 200,
      limit: 320,
    });
    expect(rowOf(rows, 'poller-throughput payments.commands -> PaymentService')).toMatchObject({
      need: 0.1,
      limit: 50,
    });
  });

  it('sizes broker storage from each topic kept its retention, with its replicas', () => {
    // Act
    const storage = rowOf(capacityLimits(input()), 'msk-storage');

    // Assess: 100/s x 1000 B x 72 h x 3 replicas over 3 brokers
    expect(storage.need).toBeCloseTo((100 * 1000 * 72 * 3600 * 3) / 3 / 2 ** 30);
    expect(storage.limit).toBe(500);
  });
});

describe('headroomFindings', () => {
  it('reports a limit under the minimum unless a quota request restores it', () => {
    // Prepare: transitions at 500/s against 800; a request for 5,000 covers them, none for StartExecution
    const rows = capacityLimits(
      input({ quotaRequests: [{ quota: MODEL_QUOTAS.sfnTransitions, value: 5000 }] }),
    );

    // Act
    const findings = headroomFindings(rows, 2).map((finding) => finding.row.id);

    // Assess
    expect(findings).not.toContain('sfn-state-transitions');
    expect(findings).toContain('sfn-start-execution');
    expect(findings).toContain('partition-throughput payments.commands -> PaymentService');
    expect(findings).not.toContain('dynamodb-item-write analytics DAY#2026-12-02');
  });

  it('does not count a request too small to give the headroom', () => {
    // Prepare
    const rows = capacityLimits(
      input({ quotaRequests: [{ quota: MODEL_QUOTAS.sfnTransitions, value: 900 }] }),
    );

    // Act
    const finding = headroomFindings(rows, 2).find(
      (candidate) => candidate.row.id === 'sfn-state-transitions',
    );

    // Assess
    expect(finding?.problem).toContain('requested 900 gives 1.80x');
  });
});

describe('cost', () => {
  const prices: PriceLookup = (id) => ({ usd: 1, per: 1, source: `https://aws.amazon.com/${id}` });

  it('counts a million orders from the measured units', () => {
    // Act
    const lines = costPerMillionOrders(deployment, units, prices);

    // Assess: at $1 per unit, a line is the units of a million orders
    const usd = Object.fromEntries(lines.map((line) => [line.service, line.usd]));
    expect(usd['Step Functions']).toBe(5_000_000);
    expect(usd.DynamoDB).toBe(8_000_000);
    expect(usd['API Gateway']).toBe(3_000_000);
    // 3 invocations; GB-s: 1 x 0.05 x 0.5 + 2 x 0.1 x 1
    expect(usd.Lambda).toBeCloseTo(3_000_000 + 0.225 * 1_000_000);
    expect(usd['CloudWatch Logs']).toBeCloseTo(1);
  });

  it('prices the stage whatever its traffic', () => {
    // Act
    const usd = Object.fromEntries(
      fixedMonthlyCost(deployment, prices).map((line) => [line.service, line.usd]),
    );

    // Assess: 3 brokers and 27 endpoint-zones for 730 h, 1,500 GiB provisioned, 2 pollers
    expect(usd['MSK brokers']).toBe(3 * 730);
    expect(usd['MSK storage']).toBe(1500);
    expect(usd['Interface endpoints']).toBe(27 * 730);
    expect(usd['Event pollers']).toBe(2 * 730);
  });
});
