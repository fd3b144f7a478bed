import { MessageRejected, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { DynamoDbSentEmails } from '../../../lambdas/notification/adapters/dynamodb-sent-emails';
import { SesEmailSender } from '../../../lambdas/notification/adapters/ses-email-sender';
import { createNotificationHandler } from '../../../lambdas/notification/handlers/notification';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { orderEvents as e } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { InMemoryPersistenceLayer } from '../../fixtures/in-memory-persistence-layer';
import { mskEventOf } from '../../fixtures/msk';
import { FakeDynamoDb } from '../inventory/fake-dynamodb';

const SENDER = 'orders@shop.test';

/** The notification handler on the real SES adapter, with an SES client that answers `answers` in turn. */
function setup(...answers: unknown[]) {
  const calls: unknown[] = [];
  const ses = {
    send: async (command: { input: unknown }) => {
      calls.push(command.input);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return { MessageId: 'ses-1' };
    },
  };
  const failedRecordSink = new InMemoryFailedRecordSink();
  const dynamo = new FakeDynamoDb({ idempotency: ['id'] });
  const notification = createNotificationHandler({
    emailSender: new SesEmailSender(ses as never, SENDER),
    sentEmails: new DynamoDbSentEmails('idempotency', dynamo),
    failedRecordSink,
    idempotencyStore: new InMemoryPersistenceLayer(),
  });
  return { calls, failedRecordSink, dynamo, notification };
}

const context = lambdaContext('notification');

describe('notification handler: e-mails SES refuses', () => {
  it('sends an e-mail refused for good to the failure queue at once, with its reason, and goes on', async () => {
    // Prepare: the account is in the SES sandbox, so the customer's address is not verified.
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    const { calls, failedRecordSink, notification } = setup(
      new MessageRejected({
        message: `Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: ${confirmed.data.email}`,
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const response = await notification(mskEventOf([confirmed]), context);

    // Assess: not retried (no batch item failure), one SES call, the record on the failure queue.
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(failedRecordSink.records).toEqual([
      expect.objectContaining({
        consumer: 'notification',
        topic: 'orders.events',
        reason: 'RECIPIENT_NOT_VERIFIED',
        error: expect.stringContaining('SES sandbox'),
      }),
    ]);
  });

  it('sends a redriven record once the refusal is fixed', async () => {
    // Prepare: refused first (unverified sender), then the sender is verified and the record redriven.
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    const { calls, failedRecordSink, notification } = setup(
      new MessageRejected({
        message: `Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: ${SENDER}`,
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await notification(mskEventOf([confirmed]), context);

    // Act
    const response = await notification(mskEventOf([confirmed]), context);

    // Assess
    expect(failedRecordSink.records.map((record) => record.reason)).toEqual(['SENDER_NOT_VERIFIED']);
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toHaveLength(2);
  });

  it('leaves a throttled send to the mapping retries instead of the failure queue', async () => {
    // Prepare
    const { failedRecordSink, notification } = setup(
      new TooManyRequestsException({
        message: 'Maximum sending rate exceeded.',
        $metadata: { httpStatusCode: 429 },
      }),
    );

    // Act
    const response = await notification(mskEventOf([e.orderConfirmed('2026-11-24T10:00:01.000Z')]), context);

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(failedRecordSink.records).toEqual([]);
  });

  it('does not send again when the same event is replayed after its idempotency record expired', async () => {
    // Prepare: the e-mail went out; days later a new consumer group reads the topic from its start.
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    const first = setup();
    await first.notification(mskEventOf([confirmed]), context);
    const replay = createNotificationHandler({
      emailSender: new SesEmailSender({ send: async () => first.calls.push('again') } as never, SENDER),
      sentEmails: new DynamoDbSentEmails('idempotency', first.dynamo),
      failedRecordSink: first.failedRecordSink,
      idempotencyStore: new InMemoryPersistenceLayer(),
    });

    // Act
    const response = await replay(mskEventOf([confirmed]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(first.calls).toHaveLength(1);
  });
});
