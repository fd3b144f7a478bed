import { describe, expect, it } from 'vitest';
import {
  type ConsumedCapacity,
  functionUnits,
  sendTaskCalls,
  stateTransitions,
  tableUnits,
  topicUnits,
} from '../../../../bench/lib/unit-counts';

const key = (readUnits: number, writeUnits: number, reads: number, writes: number) => ({
  readUnits,
  writeUnits,
  reads,
  writes,
});

describe('tableUnits', () => {
  it('adds index units to the table, per order, under the logical table name', () => {
    // Prepare
    const capacity: ConsumedCapacity = {
      tables: {
        'local-orders-table': {
          readUnits: 100,
          writeUnits: 300,
          requests: { PutItem: 100 },
          indexes: { byCustomer: { readUnits: 0, writeUnits: 100 } },
          keys: {},
        },
      },
    };

    // Act
    const [orders] = tableUnits(capacity, { 'local-orders-table': 'orders' }, 100);

    // Assess
    expect(orders).toEqual({ table: 'orders', readUnits: 1, writeUnits: 4, hotKeys: [] });
  });

  it("names as shared only the items nine orders in ten touch, not a SKU's or a customer's", () => {
    // Prepare
    const capacity: ConsumedCapacity = {
      tables: {
        analytics: {
          readUnits: 0,
          writeUnits: 1000,
          requests: { TransactWriteItems: 200 },
          indexes: {},
          keys: {
            'DAY#2026-12-03': key(0, 400, 0, 200),
            'SKU#SKU-1': key(0, 140, 0, 70),
            'order-1': key(0, 2, 0, 1),
          },
        },
        loyalty: {
          readUnits: 10,
          writeUnits: 60,
          requests: { TransactWriteItems: 10 },
          indexes: {},
          keys: { 'cust-1': key(1, 6, 1, 3) },
        },
      },
    };

    // Act
    const tables = tableUnits(capacity, {}, 100);

    // Assess
    expect(tables.map((table) => table.hotKeys)).toEqual([
      [{ key: 'DAY#2026-12-03', readUnits: 0, writeUnits: 4 }],
      [],
    ]);
  });
});

describe('functionUnits', () => {
  const report = (billedDurationMs: number) =>
    JSON.stringify({
      time: '2026-12-03T07:00:00.000Z',
      type: 'platform.report',
      record: {
        requestId: 'r',
        metrics: { durationMs: billedDurationMs - 0.5, billedDurationMs },
        status: 'success',
      },
    });

  it('counts invocations and billed ms from platform.report events, and the bytes each function wrote', () => {
    // Prepare
    const lines = [
      `2026-12-03T07:00:00.000Z [checkout] {"level":"INFO","message":"accepted"}`,
      `2026-12-03T07:00:00.001Z [checkout] ${report(30)}`,
      `2026-12-03T07:00:00.002Z [checkout] ! a warning on stderr`,
      `2026-12-03T07:00:00.003Z [checkout] ${report(50)}`,
      `2026-12-03T07:00:00.004Z [unmapped] ${report(10)}`,
      'a line from somewhere else',
    ];
    const log = `${lines.join('\n')}\n`;

    // Act
    const functions = functionUnits(log, { checkout: 'CheckoutD3E33D9B' }, 2);

    // Assess
    const written =
      Buffer.byteLength('{"level":"INFO","message":"accepted"}') +
      2 * Buffer.byteLength(report(30)) +
      Buffer.byteLength('a warning on stderr');
    expect(functions).toEqual([
      {
        logicalId: 'CheckoutD3E33D9B',
        invocations: 1,
        billedMsPerInvocation: 40,
        logBytes: Math.round(written / 2),
      },
      {
        logicalId: 'unmapped',
        invocations: 0.5,
        billedMsPerInvocation: 10,
        logBytes: Math.round(Buffer.byteLength(report(10)) / 2),
      },
    ]);
  });

  it('leaves out a function that wrote lines but served no invocation in the run', () => {
    // Act
    const functions = functionUnits('2026-12-03T07:00:00.000Z [idle] {"level":"INFO"}\n', {}, 1);

    // Assess
    expect(functions).toEqual([]);
  });
});

describe('Step Functions and topics', () => {
  it('counts a state transition per state entered, and the three callback operations', () => {
    // Act
    const transitions = stateTransitions([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStateExited',
      'SucceedStateEntered',
      'ExecutionSucceeded',
    ]);
    const calls = sendTaskCalls({
      StartExecution: 9,
      SendTaskSuccess: 3,
      SendTaskHeartbeat: 2,
      SendTaskFailure: 1,
    });

    // Assess
    expect(transitions).toBe(2);
    expect(calls).toBe(6);
  });

  it('gives records and bytes per order, and drops topics the run did not write', () => {
    // Act
    const topics = topicUnits(
      [
        { topic: 'orders.events', records: 400, bytes: 300_000 },
        { topic: 'orders.dlt', records: 0, bytes: 0 },
      ],
      200,
    );

    // Assess
    expect(topics).toEqual([{ topic: 'orders.events', records: 2, bytes: 1500 }]);
  });
});
