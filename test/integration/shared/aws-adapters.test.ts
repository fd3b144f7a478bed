/**
 * The shared AWS adapters against the local stand-ins of the integration run: poison records on
 * ElasticMQ through the SQS sink, and idempotent processing on the local DynamoDB server with the Powertools
 * DynamoDB persistence layer, both configured from the environment as in Lambda.
 */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { failedRecordSinkFromEnvironment } from '../../../lambdas/shared/aws/sqs-failed-record-sink';
import { decodeMessage } from '../../../lambdas/shared/events/codec';
import { EventInProgressError, makeEventProcessorIdempotent } from '../../../lambdas/shared/idempotency';
import type { FailedRecord } from '../../../lambdas/shared/ports/failed-record-sink';
import { localSqsClient } from '../../../local/infra/aws-clients';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { exampleEvent } from '../../fixtures/msk';

beforeAll(() => {
  Object.assign(process.env, inject('localStack').environment);
});

describe('SqsFailedRecordSink on ElasticMQ', () => {
  it('delivers the poison record with its attributes to ON_FAILURE_QUEUE_URL', async () => {
    // Prepare
    const sqs = localSqsClient(inject('localStack').sqsEndpoint);
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `shared-it-${randomUUID().slice(0, 8)}` }),
    );
    vi.stubEnv('ON_FAILURE_QUEUE_URL', QueueUrl ?? '');
    const record: FailedRecord = {
      consumer: 'analytics',
      topic: 'orders.events',
      partition: 5,
      offset: 77,
      key: randomUUID(),
      value: Buffer.from('not json').toString('base64'),
      reason: 'INVALID_ENVELOPE',
      error: 'Record value is not valid JSON',
      failedAt: new Date().toISOString(),
    };

    // Act
    await failedRecordSinkFromEnvironment().send(record);

    // Assess
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 5 }),
    );
    expect(JSON.parse(Messages?.[0]?.Body ?? '')).toEqual(record);
    expect(Messages?.[0]?.MessageAttributes?.reason?.StringValue).toBe('INVALID_ENVELOPE');
    expect(Messages?.[0]?.MessageAttributes?.offset?.StringValue).toBe('77');
    vi.unstubAllEnvs();
    sqs.destroy();
  });
});

describe('makeEventProcessorIdempotent on the local DynamoDB server', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable(inject('localStack').dynamodbEndpoint, 'idempotency', 'id');
    process.env.IDEMPOTENCY_TABLE_NAME = table.name;
  });

  afterAll(async () => {
    await table.drop();
  });

  it('processes an event once per consumer and answers a redelivery from the table', async () => {
    // Prepare
    const message = decodeMessage(JSON.parse(JSON.stringify(exampleEvent('OrderConfirmed'))));
    const notification = vi.fn(async () => ({ template: 'order-confirmed', sent: true }));
    const otherConsumer = vi.fn(async () => ({ sent: true }));
    const notificationOnce = makeEventProcessorIdempotent('notification', notification);
    const otherConsumerOnce = makeEventProcessorIdempotent('other-consumer', otherConsumer);

    // Act
    const first = await notificationOnce(message);
    const redelivery = await makeEventProcessorIdempotent('notification', notification)(message);
    await otherConsumerOnce(message);

    // Assess
    expect(first).toEqual({ template: 'order-confirmed', sent: true });
    expect(redelivery).toEqual({ template: 'order-confirmed', sent: true });
    expect(notification).toHaveBeenCalledOnce();
    expect(otherConsumer).toHaveBeenCalledOnce();
  });

  it('lets only one of two concurrent deliveries run; the other is retryable', async () => {
    // Prepare
    const message = decodeMessage(JSON.parse(JSON.stringify(exampleEvent('OrderPlaced'))));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const process = vi.fn(async () => {
      await gate;
      return 'done';
    });
    const once = makeEventProcessorIdempotent('notification', process);

    // Act
    const running = once(message);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const concurrent = await once(message).catch((error: unknown) => error);
    release();
    const result = await running;

    // Assess
    expect(result).toBe('done');
    expect(concurrent).toBeInstanceOf(EventInProgressError);
    expect(process).toHaveBeenCalledOnce();
  });
});
