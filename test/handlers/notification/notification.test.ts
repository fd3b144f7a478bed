import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DynamoDbSentEmails,
  sentEmailKey,
} from '../../../lambdas/notification/adapters/dynamodb-sent-emails';
import type { CustomerEmail } from '../../../lambdas/notification/domain/customer-emails';
import { createNotificationHandler, handler } from '../../../lambdas/notification/handlers/notification';
import type { EmailSender } from '../../../lambdas/notification/ports/email-sender';
import { CONSUMERS } from '../../../lib/config/consumers';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { orderEvents as e, envelope } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { InMemoryPersistenceLayer } from '../../fixtures/in-memory-persistence-layer';
import { mskEvent, mskEventOf } from '../../fixtures/msk';
import { awsError, FakeDynamoDb } from '../inventory/fake-dynamodb';

class RecordingEmailSender implements EmailSender {
  public readonly sent: CustomerEmail[] = [];
  public failWith: Error | undefined;

  async send(email: CustomerEmail): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(email);
  }
}

function setup() {
  const emailSender = new RecordingEmailSender();
  const failedRecordSink = new InMemoryFailedRecordSink();
  const idempotencyStore = new InMemoryPersistenceLayer();
  const dynamo = new FakeDynamoDb({ idempotency: ['id'] });
  const sentEmails = new DynamoDbSentEmails('idempotency', dynamo, {
    now: () => new Date('2026-11-24T10:00:00.000Z'),
  });
  const notification = createNotificationHandler({
    emailSender,
    sentEmails,
    failedRecordSink,
    idempotencyStore,
  });
  return { emailSender, failedRecordSink, idempotencyStore, dynamo, notification };
}

const context = lambdaContext('notification');

describe('notification handler', () => {
  it('sends the confirmation and failure e-mails and a SendEmail command, and ignores other events', async () => {
    // Prepare
    const { emailSender, idempotencyStore, notification } = setup();
    const command = envelope(
      'SendEmail',
      { to: 'bob@example.com', template: 'shipment-created', variables: { shipmentId: 'SHP-1' } },
      { at: '2026-11-24T10:00:02.000Z' },
    );
    const event = mskEvent([
      { envelope: e.orderPlaced('2026-11-24T10:00:00.000Z') },
      { envelope: e.orderConfirmed('2026-11-24T10:00:01.000Z') },
      { envelope: e.orderFailed('2026-11-24T10:00:01.500Z', 'OUT_OF_STOCK') },
      { envelope: command },
    ]);

    // Act
    const response = await notification(event, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    // Partitions run concurrently, so e-mails of different topics come in any order.
    expect(emailSender.sent.map((email) => [email.template, email.to]).sort()).toEqual([
      ['order-confirmed', 'ada@example.com'],
      ['order-failed', 'ada@example.com'],
      ['shipment-created', 'bob@example.com'],
    ]);
    const prefix = CONSUMERS.find((consumer) => consumer.name === 'notification')?.idempotencyKeyPrefix;
    expect(idempotencyStore.keys()).toHaveLength(3);
    for (const key of idempotencyStore.keys()) expect(key.startsWith(`${prefix}#`)).toBe(true);
  });

  it('sends an e-mail once when its event is delivered again', async () => {
    // Prepare
    const { emailSender, notification } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    await notification(mskEventOf([confirmed]), context);

    // Act
    const response = await notification(mskEventOf([confirmed, confirmed]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(emailSender.sent).toHaveLength(1);
  });

  it('sends one confirmation when OrderConfirmed is republished under a new event id', async () => {
    // Prepare: a ConfirmOrder retry published OrderConfirmed again (new eventId, same order).
    const { emailSender, dynamo, notification } = setup();
    const first = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    const republished = e.orderConfirmed('2026-11-24T10:00:04.000Z');

    // Act
    const responses = [
      await notification(mskEventOf([first]), context),
      await notification(mskEventOf([republished]), context),
    ];

    // Assess
    expect(responses.map((response) => response.batchItemFailures)).toEqual([[], []]);
    expect(emailSender.sent.map((email) => email.messageId)).toEqual([first.eventId]);
    expect(dynamo.items('idempotency')).toEqual([
      {
        id: sentEmailKey(first.orderId, 'order-confirmed'),
        orderId: first.orderId,
        template: 'order-confirmed',
        messageId: first.eventId,
        claimedAt: '2026-11-24T10:00:00.000Z',
        expiration: Math.floor(Date.parse('2026-11-24T10:00:00.000Z') / 1000) + 30 * 24 * 60 * 60,
        sentAt: '2026-11-24T10:00:00.000Z',
      },
    ]);
  });

  it('sends the e-mail on the retry of a message whose first send failed', async () => {
    // Prepare: the claim is made, then SES fails.
    const { emailSender, notification } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    emailSender.failWith = new Error('SES throttled');
    await notification(mskEventOf([confirmed]), context);
    emailSender.failWith = undefined;

    // Act
    const response = await notification(mskEventOf([confirmed]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(emailSender.sent).toHaveLength(1);
  });

  it('reports the record for retry when the sent-e-mail marker cannot be written', async () => {
    // Prepare
    const { emailSender, dynamo, notification } = setup();
    dynamo.failWith = awsError('ProvisionedThroughputExceededException');

    // Act
    const response = await notification(mskEventOf([e.orderConfirmed('2026-11-24T10:00:01.000Z')]), context);

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(emailSender.sent).toHaveLength(0);
  });

  it('reports a failed send and the later records of its partition for retry', async () => {
    // Prepare
    const { emailSender, notification } = setup();
    emailSender.failWith = new Error('SES throttled');
    const event = mskEventOf([
      e.orderConfirmed('2026-11-24T10:00:01.000Z'),
      e.orderFailed('2026-11-24T10:00:02.000Z'),
    ]);

    // Act
    const response = await notification(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'orders.events-0', offset: 100 } },
      { itemIdentifier: { partition: 'orders.events-0', offset: 101 } },
    ]);
  });

  it('sends a record that is not an event to the failure queue without blocking the partition', async () => {
    // Prepare
    const { emailSender, failedRecordSink, notification } = setup();
    const event = mskEvent([
      { value: 'not json', options: { topic: 'orders.events' } },
      { envelope: e.orderConfirmed('2026-11-24T10:00:01.000Z') },
    ]);

    // Act
    const response = await notification(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(failedRecordSink.records.map((record) => record.consumer)).toEqual(['notification']);
    expect(emailSender.sent).toHaveLength(1);
  });
});

describe('notification handler entry', () => {
  const saved = { ...process.env };
  let mailbox: string | undefined;

  afterEach(async () => {
    process.env = { ...saved };
    if (mailbox) await rm(mailbox, { recursive: true, force: true });
  });

  it('wires the mailbox transport from the environment', async () => {
    // Prepare
    mailbox = await mkdtemp(join(tmpdir(), 'mailbox-'));
    Object.assign(process.env, {
      EMAIL_TRANSPORT: 'mailbox',
      MAILBOX_DIR: mailbox,
      DEAD_LETTER_TOPIC: 'dead-letters.notification',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
    });

    // Act
    const response = await handler(mskEvent([]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await readdir(mailbox)).toEqual([]);
  });
});
