import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it, vi } from 'vitest';
import {
  failedRecordSinkFromEnvironment,
  SqsFailedRecordSink,
} from '../../../../lambdas/shared/aws/sqs-failed-record-sink';
import { MissingConfigurationError } from '../../../../lambdas/shared/env';
import type { FailedRecord } from '../../../../lambdas/shared/ports/failed-record-sink';

// The container's SQS client, replaced so the default-client path sends nowhere.
const sqsMock = vi.hoisted(() => ({ send: vi.fn(async () => ({ MessageId: 'm-0' })) }));
vi.mock('../../../../lambdas/shared/aws/sqs', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../../lambdas/shared/aws/sqs')>()),
  sqsClient: () => sqsMock,
}));

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/order-pipeline-analytics-on-failure';

const failedRecord: FailedRecord = {
  consumer: 'analytics',
  topic: 'orders.events',
  partition: 3,
  offset: 1207,
  key: '3f1c2b9e-5d4a-4c7b-8e2f-1a2b3c4d5e6f',
  value: Buffer.from('not json').toString('base64'),
  reason: 'INVALID_ENVELOPE',
  error: 'Record value is not valid JSON',
  failedAt: '2026-11-24T21:00:00.000Z',
};

describe('SqsFailedRecordSink', () => {
  it('sends the record as JSON with filterable attributes', async () => {
    // Prepare
    const client = { send: vi.fn(async () => ({ MessageId: 'm-1' })) };
    const sink = new SqsFailedRecordSink(QUEUE_URL, client);

    // Act
    await sink.send(failedRecord);

    // Assess
    const [command] = client.send.mock.calls[0] as unknown as [SendMessageCommand];
    expect(command).toBeInstanceOf(SendMessageCommand);
    expect(command.input.QueueUrl).toBe(QUEUE_URL);
    expect(JSON.parse(command.input.MessageBody ?? '')).toEqual(failedRecord);
    expect(command.input.MessageAttributes).toEqual({
      consumer: { DataType: 'String', StringValue: 'analytics' },
      topic: { DataType: 'String', StringValue: 'orders.events' },
      partition: { DataType: 'Number', StringValue: '3' },
      offset: { DataType: 'Number', StringValue: '1207' },
      reason: { DataType: 'String', StringValue: 'INVALID_ENVELOPE' },
    });
  });

  it("sends with the container's SQS client when none is given", async () => {
    // Prepare
    const sink = new SqsFailedRecordSink(QUEUE_URL);

    // Act
    await sink.send(failedRecord);

    // Assess
    const [command] = sqsMock.send.mock.calls[0] as unknown as [SendMessageCommand];
    expect(command).toBeInstanceOf(SendMessageCommand);
    expect(command.input.QueueUrl).toBe(QUEUE_URL);
  });

  it('lets an SQS failure surface so the record is retried', async () => {
    // Prepare
    const client = { send: vi.fn(async () => Promise.reject(new Error('AccessDenied'))) };
    const sink = new SqsFailedRecordSink(QUEUE_URL, client);

    // Act
    const send = sink.send(failedRecord);

    // Assess
    await expect(send).rejects.toThrow('AccessDenied');
  });
});

describe('failedRecordSinkFromEnvironment', () => {
  it('uses ON_FAILURE_QUEUE_URL', () => {
    // Act
    const sink = failedRecordSinkFromEnvironment({ ON_FAILURE_QUEUE_URL: QUEUE_URL });

    // Assess
    expect(sink).toBeInstanceOf(SqsFailedRecordSink);
  });

  it('fails without ON_FAILURE_QUEUE_URL', () => {
    // Act
    const create = () => failedRecordSinkFromEnvironment({});

    // Assess
    expect(create).toThrow(MissingConfigurationError);
  });
});
