import { InvokeCommand } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { MSKEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { FailedRecord } from '../../../lambdas/shared/ports/failed-record-sink';
import type { KafkaRecord } from '../../../local/runtime/msk-event';
import { onFailureRecord } from '../../../local/runtime/on-failure';
import {
  type FailureQueue,
  listFailures,
  openFailureQueue,
  outcomesOf,
  redriveFailures,
} from '../../../scripts/ops/failure-queue';
import type { RecordLookup, RecordSource } from '../../../scripts/ops/kafka-records';
import { localTargetOf, OpsError } from '../../../scripts/ops/target';

const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/order-pipeline-dev/local';

/** An SQS queue in memory, with visibility timeouts as SQS keeps them. */
class FakeQueue {
  readonly messages = new Map<string, { body: string; invisibleUntil: number; receipts: number }>();
  private nextId = 0;

  add(body: unknown): string {
    const id = `m-${++this.nextId}`;
    this.messages.set(id, { body: JSON.stringify(body), invisibleUntil: 0, receipts: 0 });
    return id;
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ReceiveMessageCommand) {
      const now = Date.now();
      const visible = [...this.messages].filter(([, m]) => m.invisibleUntil <= now).slice(0, 10);
      for (const [, message] of visible) {
        message.invisibleUntil = now + (command.input.VisibilityTimeout ?? 30) * 1000;
        message.receipts += 1;
      }
      return {
        Messages: visible.map(([id, m]) => ({
          MessageId: id,
          ReceiptHandle: `${id}#${m.receipts}`,
          Body: m.body,
        })),
      };
    }
    if (command instanceof ChangeMessageVisibilityCommand) {
      const message = this.messages.get(this.idOf(command.input.ReceiptHandle));
      // SQS refuses the receipt handle of a message that is gone.
      if (!message)
        throw Object.assign(new Error('The receipt handle is not valid.'), {
          name: 'ReceiptHandleIsInvalid',
        });
      message.invisibleUntil = Date.now() + (command.input.VisibilityTimeout ?? 0) * 1000;
      return {};
    }
    if (command instanceof DeleteMessageCommand) {
      this.messages.delete(this.idOf(command.input.ReceiptHandle));
      return {};
    }
    throw new Error(`unexpected SQS command ${String(command)}`);
  }

  visibleIds(): string[] {
    return [...this.messages].filter(([, m]) => m.invisibleUntil <= Date.now()).map(([id]) => id);
  }

  private idOf(receiptHandle: string | undefined): string {
    return (receiptHandle ?? '').split('#')[0]!;
  }
}

/** A consumer function: records whose value is not JSON go back to the queue, as the handler sends them. */
class FakeConsumerFunction {
  readonly events: MSKEvent[] = [];
  functionError: string | undefined;
  failOffsets = new Set<number>();

  constructor(private readonly queue: FakeQueue) {}

  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof InvokeCommand)) throw new Error('unexpected Lambda command');
    const event = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8')) as MSKEvent;
    this.events.push(event);
    if (this.functionError) {
      return {
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: Buffer.from(JSON.stringify({ errorType: 'Error', errorMessage: this.functionError })),
      };
    }
    const failures = [];
    for (const records of Object.values(event.records)) {
      for (const record of records) {
        if (this.failOffsets.has(record.offset)) {
          failures.push({
            itemIdentifier: { partition: `${record.topic}-${record.partition}`, offset: record.offset },
          });
          continue;
        }
        const value = Buffer.from(record.value, 'base64').toString('utf8');
        if (!value.startsWith('{')) this.queue.add(poison(record.offset, value, new Date()));
      }
    }
    return { StatusCode: 200, Payload: Buffer.from(JSON.stringify({ batchItemFailures: failures })) };
  }
}

class FakeRecords implements RecordSource {
  constructor(private readonly lookup: RecordLookup) {}
  async read(): Promise<RecordLookup> {
    return this.lookup;
  }
  async close(): Promise<void> {}
}

function poison(
  offset: number,
  value: string,
  failedAt = new Date('2026-11-24T10:00:05.000Z'),
): FailedRecord {
  return {
    consumer: 'loyalty',
    topic: 'orders.events',
    partition: 3,
    offset,
    key: 'order-7',
    value: Buffer.from(value).toString('base64'),
    reason: 'INVALID_ENVELOPE',
    error: 'Unexpected token',
    failedAt: failedAt.toISOString(),
  };
}

const RECORD: KafkaRecord = {
  topic: 'orders.events',
  partition: 3,
  offset: '42',
  timestamp: '1764019800000',
  key: Buffer.from('order-7'),
  value: Buffer.from('{"eventType":"OrderConfirmed"}'),
  headers: { 'correlation-id': Buffer.from('c-7') },
};

function discardedBatch(records: readonly KafkaRecord[]) {
  return onFailureRecord({
    records,
    condition: 'RetryAttemptsExhausted',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:loyalty-dev',
    eventSourceArn: CLUSTER_ARN,
    bootstrapServers: ['127.0.0.1:9092'],
    approximateInvokeCount: 61,
    functionError: false,
  });
}

function failureQueue(lookup: RecordLookup = { records: [], missing: [] }) {
  const sqs = new FakeQueue();
  const lambda = new FakeConsumerFunction(sqs);
  const queue: FailureQueue = {
    consumer: 'loyalty',
    queueUrl: 'http://sqs.local/000000000000/loyalty-failures',
    functionName: 'loyalty-dev',
    eventSourceArn: CLUSTER_ARN,
    sqs,
    lambda,
    records: new FakeRecords(lookup),
    bootstrapServers: ['127.0.0.1:9092'],
    close: async () => undefined,
  };
  return { queue, sqs, lambda };
}

describe('listFailures', () => {
  it('returns every message once and leaves all of them visible on the queue', async () => {
    // Prepare
    const { queue, sqs } = failureQueue();
    const ids = Array.from({ length: 13 }, (_, index) => sqs.add(poison(index, 'not json')));

    // Act
    const messages = await listFailures(queue);

    // Assess
    expect(messages.map((message) => message.messageId).sort()).toEqual([...ids].sort());
    expect(sqs.visibleIds().sort()).toEqual([...ids].sort());
  });
});

describe('redriveFailures', () => {
  it('invokes the function with a real MSK event of the records and deletes the message once all succeeded', async () => {
    // Prepare
    const { queue, sqs, lambda } = failureQueue({ records: [RECORD], missing: [] });
    const id = sqs.add(discardedBatch([RECORD]));

    // Act
    const [report] = await redriveFailures(queue, { messageId: id });

    // Assess
    expect(report?.records).toEqual([
      { topic: 'orders.events', partition: 3, offset: '42', outcome: 'processed' },
    ]);
    expect(report?.deleted).toBe(true);
    expect(sqs.messages.has(id)).toBe(false);
    expect(lambda.events).toEqual([
      {
        eventSource: 'aws:kafka',
        eventSourceArn: CLUSTER_ARN,
        bootstrapServers: '127.0.0.1:9092',
        records: {
          'orders.events-3': [
            {
              topic: 'orders.events',
              partition: 3,
              offset: 42,
              timestamp: 1764019800000,
              timestampType: 'CREATE_TIME',
              key: Buffer.from('order-7').toString('base64'),
              value: Buffer.from('{"eventType":"OrderConfirmed"}').toString('base64'),
              headers: [{ 'correlation-id': [...Buffer.from('c-7')] }],
            },
          ],
        },
      },
    ]);
  });

  it('keeps the message, visible, when the function reports a record failed', async () => {
    // Prepare
    const later = { ...RECORD, offset: '43' };
    const { queue, sqs, lambda } = failureQueue({ records: [RECORD, later], missing: [] });
    const id = sqs.add(discardedBatch([RECORD, later]));
    lambda.failOffsets.add(43);

    // Act
    const [report] = await redriveFailures(queue, { messageId: id });

    // Assess
    expect(report?.records.map((record) => [record.offset, record.outcome])).toEqual([
      ['42', 'processed'],
      ['43', 'failed'],
    ]);
    expect(report?.deleted).toBe(false);
    expect(sqs.visibleIds()).toEqual([id]);
  });

  it('keeps the message when the function fails as a whole, naming its error', async () => {
    // Prepare
    const { queue, sqs, lambda } = failureQueue({ records: [RECORD], missing: [] });
    const id = sqs.add(discardedBatch([RECORD]));
    lambda.functionError = 'ledger table unavailable';

    // Act
    const [report] = await redriveFailures(queue, { messageId: id });

    // Assess
    expect(report?.records[0]).toMatchObject({
      outcome: 'failed',
      detail: 'function error Unhandled: Error: ledger table unavailable',
    });
    expect(sqs.visibleIds()).toEqual([id]);
  });

  it('reports a poison record the handler refuses again, and leaves exactly one message for it', async () => {
    // Prepare
    const { queue, sqs } = failureQueue();
    const id = sqs.add(poison(41, 'not json'));

    // Act
    const [report] = await redriveFailures(queue, { messageId: id });

    // Assess
    expect(report?.records).toHaveLength(1);
    expect(report?.records[0]?.outcome).toBe('still refused');
    const remaining = [...sqs.messages.keys()];
    expect(remaining).toHaveLength(1);
    expect(report?.records[0]?.detail).toBe(
      `INVALID_ENVELOPE: Unexpected token; now message ${remaining[0]}`,
    );
    expect(sqs.visibleIds()).toEqual(remaining);
  });

  it('does not redrive records the topic no longer holds and keeps their message', async () => {
    // Prepare
    const range = { topic: 'orders.events', partition: 3, firstOffset: '42', lastOffset: '42' };
    const { queue, sqs, lambda } = failureQueue({
      records: [],
      missing: [{ range, earliestOffset: '90', nextOffset: '120' }],
    });
    const id = sqs.add(discardedBatch([RECORD]));

    // Act
    const [report] = await redriveFailures(queue, { messageId: id });

    // Assess
    expect(report?.records).toEqual([
      { topic: 'orders.events', partition: 3, offset: '42', outcome: 'gone' },
    ]);
    expect(lambda.events).toHaveLength(0);
    expect(sqs.visibleIds()).toEqual([id]);
  });

  it('only says what it would do on a dry run', async () => {
    // Prepare
    const { queue, sqs, lambda } = failureQueue({ records: [RECORD], missing: [] });
    const id = sqs.add(discardedBatch([RECORD]));

    // Act
    const [report] = await redriveFailures(queue, { all: true }, { dryRun: true });

    // Assess
    expect(report?.records[0]?.outcome).toBe('would redrive');
    expect(lambda.events).toHaveLength(0);
    expect(sqs.visibleIds()).toEqual([id]);
  });

  it('refuses a message id that is not on the queue, and gives the others back', async () => {
    // Prepare
    const { queue, sqs } = failureQueue();
    const id = sqs.add(poison(41, 'not json'));

    // Act
    const redrive = redriveFailures(queue, { messageId: 'm-unknown' });

    // Assess
    await expect(redrive).rejects.toThrow(
      new OpsError(
        'No message m-unknown on the loyalty failure queue (1 there; npm run dlq -- list loyalty)',
      ),
    );
    expect(sqs.visibleIds()).toEqual([id]);
  });
});

describe('outcomesOf', () => {
  it('reads the Kafka partial batch response by topic-partition and offset', () => {
    // Prepare
    const other = { ...RECORD, partition: 4 };
    const payload = JSON.stringify({
      batchItemFailures: [{ itemIdentifier: { partition: 'orders.events-4', offset: 42 } }],
    });

    // Act
    const outcomes = outcomesOf([RECORD, other], payload);

    // Assess
    expect(outcomes.map((outcome) => `${outcome.partition}:${outcome.outcome}`)).toEqual([
      '3:processed',
      '4:failed',
    ]);
  });
});

describe('openFailureQueue', () => {
  it('refuses an unknown consumer, naming the known ones', () => {
    // Prepare
    const target = localTargetOf({}, {});

    // Act / Assess
    expect(() => openFailureQueue(target, 'billing')).toThrow(
      new OpsError(
        "No consumer 'billing'; known: inventoryService, paymentService, notification, analytics, loyalty, fulfilment, orderReadModel",
      ),
    );
  });

  it('says which stack output is missing when the target has not got it', () => {
    // Prepare
    const target = localTargetOf({}, {});

    // Act / Assess
    expect(() => openFailureQueue(target, 'loyalty')).toThrow(/has no stack output LoyaltyFailureQueueUrl/);
  });
});
