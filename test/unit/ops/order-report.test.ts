/**
 * The saga summary and the text of `npm run order`. Fixtures: the history of a declined order as
 * the local Step Functions answered GetExecutionHistory (execution data left out), and an AWS-shaped
 * history of a payment retried once after a TransientFailure (TaskScheduled, TaskStarted,
 * TaskSubmitted and TaskSucceeded per attempt, as AWS records a callback task).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { orderSummaryOf } from '../../../scripts/ops/order-lookup';
import {
  duration,
  type ExecutionDescription,
  formatOrderReport,
  type OrderReport,
  summariseExecution,
} from '../../../scripts/ops/order-report';

interface Fixture {
  readonly execution: ExecutionDescription;
  readonly events: HistoryEvent[];
}

/** A captured history with its times as the SDK gives them (Date). */
function fixture(file: string): Fixture {
  const raw = JSON.parse(readFileSync(join(__dirname, '../../fixtures/sfn', file), 'utf8')) as {
    describe: Record<string, string>;
    events: (Omit<HistoryEvent, 'timestamp'> & { timestamp: string })[];
  };
  const { executionArn, status, startDate, stopDate, error, cause } = raw.describe;
  return {
    execution: {
      executionArn: executionArn!,
      status: status!,
      ...(startDate ? { startDate: new Date(startDate) } : {}),
      ...(stopDate ? { stopDate: new Date(stopDate) } : {}),
      ...(error ? { error } : {}),
      ...(cause ? { cause } : {}),
    },
    events: raw.events.map((event) => ({ ...event, timestamp: new Date(event.timestamp) })),
  };
}

const ORDER_ID = 'ebb42f17-93eb-4dcc-8496-304520760905';

function report(overrides: Partial<OrderReport> = {}): OrderReport {
  const { execution, events } = fixture('declined-order.local.json');
  return {
    orderId: ORDER_ID,
    target: 'the local mode',
    order: orderSummaryOf({
      orderId: ORDER_ID,
      status: 'FAILED',
      total: 3450,
      currency: 'EUR',
      items: [{ sku: 'SKU-2', quantity: 1, unitPrice: 3450 }],
      createdAt: '2026-12-02T15:31:30.366Z',
      history: [
        { status: 'PENDING', at: '2026-12-02T15:31:34.156Z', eventId: 'e-1' },
        { status: 'FAILED', at: '2026-12-02T15:31:38.181Z', reason: 'PAYMENT_DECLINED', eventId: 'e-2' },
      ],
    }),
    saga: { found: true, ...summariseExecution(execution, events) },
    records: {
      available: true,
      from: '2026-12-02T15:30:30.366Z',
      topics: [
        {
          topic: 'payments.events',
          partition: 14,
          fromOffset: '0',
          endOffset: '1',
          scanned: 1,
          records: [
            {
              offset: '0',
              timestamp: '2026-12-02T15:31:37.546Z',
              eventType: 'PaymentDeclined',
              eventId: '5ad5e344-223a-43d9-ac73-757abb96cdcd',
            },
          ],
        },
      ],
    },
    ...overrides,
  };
}

describe('summariseExecution', () => {
  it('shows a declined payment caught and the compensations that followed, from the local history', () => {
    // Prepare
    const { execution, events } = fixture('declined-order.local.json');

    // Act
    const saga = summariseExecution(execution, events);

    // Assess
    expect(saga).toMatchObject({ status: 'FAILED', error: 'OrderFailed', historyEvents: events.length });
    expect(saga.states.map((state) => [state.name, state.outcome])).toEqual([
      ['PlaceOrder', 'succeeded'],
      ['ReserveInventory', 'succeeded'],
      ['ProcessPayment', 'caught'],
      ['ReasonPaymentDeclined', 'succeeded'],
      ['RefundCharge', 'succeeded'],
      ['ReleaseStock', 'succeeded'],
      ['FailOrder', 'succeeded'],
      ['OrderFailed', 'ended'],
    ]);
    const payment = saga.states[2]!;
    expect(payment).toMatchObject({ type: 'Task', attempts: 1, durationMs: 1541 });
    expect(payment.failures).toEqual([
      {
        at: '2026-12-02T15:31:37.632Z',
        type: 'TaskFailed',
        error: 'PaymentDeclined',
        cause: 'DECLINED',
        retried: false,
      },
    ]);
    expect(saga.states.at(-1)).not.toHaveProperty('exitedAt');
  });

  it('counts the attempts of a retried task from AWS history and marks the failure retried', () => {
    // Prepare
    // Written in the event sequence of the Step Functions history reference (not a capture: the
    // local emulator does not retry the way AWS records it, and no stage was deployed from here).
    const { execution, events } = fixture('retried-payment.aws-shaped.json');

    // Act
    const saga = summariseExecution(execution, events);

    // Assess
    expect(saga.status).toBe('SUCCEEDED');
    expect(saga.states.map((state) => state.name)).toEqual([
      'PlaceOrder',
      'ReserveInventory',
      'ProcessPayment',
      'ConfirmOrder',
      'OrderConfirmed',
    ]);
    const payment = saga.states.find((state) => state.name === 'ProcessPayment');
    expect(payment).toMatchObject({ outcome: 'succeeded', attempts: 2, durationMs: 2059 });
    expect(payment?.failures).toEqual([
      expect.objectContaining({ error: 'TransientFailure', retried: true }),
    ]);
    expect(saga.states.filter((state) => state.name !== 'ProcessPayment').map((s) => s.attempts)).toEqual([
      1, 1, 1, 0,
    ]);
  });

  it('tells a state still running from one the execution ended in', () => {
    // Prepare: the AWS history cut while the payment waited for its answer
    // Written in the event sequence of the Step Functions history reference (not a capture: the
    // local emulator does not retry the way AWS records it, and no stage was deployed from here).
    const { execution, events } = fixture('retried-payment.aws-shaped.json');
    const waiting = events.slice(
      0,
      events.findIndex((event) => event.type === 'TaskFailed'),
    );

    // Act
    const running = summariseExecution({ ...execution, status: 'RUNNING' }, waiting);
    const timedOut = summariseExecution({ ...execution, status: 'TIMED_OUT' }, waiting);

    // Assess
    expect(running.states.at(-1)).toMatchObject({ name: 'ProcessPayment', outcome: 'running' });
    expect(running.states.at(-1)).not.toHaveProperty('durationMs');
    expect(timedOut.states.at(-1)).toMatchObject({ name: 'ProcessPayment', outcome: 'failed' });
  });
});

describe('orderSummaryOf', () => {
  it("takes the failure reason from the history and leaves the read model's internals out", () => {
    // Prepare
    const item = {
      orderId: ORDER_ID,
      status: 'NEEDS_ATTENTION',
      history: [
        { status: 'PENDING', at: '2026-12-02T15:31:34.156Z', eventId: 'e-1' },
        { status: 'NEEDS_ATTENTION', at: '2026-12-02T15:32:00.000Z', reason: 'RefundChargeFailed' },
      ],
      appliedEventIds: ['e-1'],
      version: 3,
      requestHash: 'abc',
    };

    // Act
    const summary = orderSummaryOf(item);

    // Assess
    expect(summary).toEqual({
      status: 'NEEDS_ATTENTION',
      failureReason: 'RefundChargeFailed',
      history: [
        { status: 'PENDING', at: '2026-12-02T15:31:34.156Z', eventId: 'e-1' },
        { status: 'NEEDS_ATTENTION', at: '2026-12-02T15:32:00.000Z', reason: 'RefundChargeFailed' },
      ],
    });
  });
});

describe('formatOrderReport', () => {
  it('prints status, totals, history, one line per state with its failures, and the records', () => {
    // Prepare
    const declined = report();

    // Act
    const lines = formatOrderReport(declined).split('\n');

    // Assess
    expect(lines[0]).toBe(`Order ${ORDER_ID} in the local mode`);
    expect(lines).toContain('Status: FAILED (PAYMENT_DECLINED)');
    expect(lines).toContain('Total: EUR 34.50');
    expect(lines).toContain('  1 x SKU-2 at EUR 34.50');
    expect(lines).toContain('  2026-12-02T15:31:38.181Z  FAILED (PAYMENT_DECLINED)');
    expect(lines).toContain(
      'Saga: FAILED, started 2026-12-02T15:31:30.597Z, stopped 2026-12-02T15:31:38.223Z, 7.63 s',
    );
    expect(lines).toContain('  2026-12-02T15:31:36.091Z  ProcessPayment         Task        1.54 s  caught');
    expect(lines).toContain('      2026-12-02T15:31:37.632Z  TaskFailed PaymentDeclined: DECLINED (caught)');
    expect(lines).toContain('  2026-12-02T15:31:38.222Z  OrderFailed            Fail                ended');
    expect(lines).toContain(
      '  payments.events [partition 14] from offset 0 to the end at 1, 1 record(s) read',
    );
    expect(lines).toContain(
      '           0  2026-12-02T15:31:37.546Z  PaymentDeclined  5ad5e344-223a-43d9-ac73-757abb96cdcd',
    );
  });

  it('says what is missing: no item, no execution, records not read, a topic stopped early', () => {
    // Prepare
    const partial = report({
      order: undefined,
      saga: { found: false, executionArn: 'arn:aws:states:eu-central-1:000000000000:execution:saga:x' },
      records: { available: false, reason: 'Kafka could not be read from the MSK cluster: timeout' },
    });
    const stopped = report({
      records: {
        available: true,
        from: '2026-12-02T15:30:30.366Z',
        topics: [
          {
            topic: 'orders.events',
            partition: 30,
            fromOffset: '100',
            endOffset: '90000',
            scanned: 10_000,
            records: [],
            stoppedEarly: 'record limit of 10000 reached at offset 10100',
          },
        ],
      },
    });

    // Act
    const partialText = formatOrderReport(partial);
    const stoppedText = formatOrderReport(stopped);

    // Assess
    expect(partialText).toContain('Status: no item in the orders table');
    expect(partialText).toContain('Saga: no execution for this order');
    expect(partialText).toContain('Records: not read: Kafka could not be read from the MSK cluster: timeout');
    expect(stoppedText).toContain('    stopped early: record limit of 10000 reached at offset 10100');
    expect(stoppedText).toContain('    none for this order');
  });

  it('shortens a long cause on its text line', () => {
    // Prepare
    const cause = 'x'.repeat(500);
    const base = report();
    if (!base.saga.found) throw new Error('fixture has an execution');
    const withLongCause = report({ saga: { ...base.saga, cause } });

    // Act
    const text = formatOrderReport(withLongCause);

    // Assess
    expect(text).toContain(`  OrderFailed: ${'x'.repeat(157)}...\n`);
    expect(text).not.toContain('x'.repeat(158));
  });
});

describe('duration', () => {
  it('reads as milliseconds, seconds or minutes', () => {
    // Prepare
    const samples = [0, 999, 1_000, 1_541, 59_999, 60_000, 184_400];

    // Act
    const shown = samples.map(duration);

    // Assess
    expect(shown).toEqual(['0 ms', '999 ms', '1.00 s', '1.54 s', '60.00 s', '1 min 0 s', '3 min 4 s']);
  });
});
