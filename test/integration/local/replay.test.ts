/**
 * `npm run replay`: for the order read model, an order's lost read-model item is rebuilt from the
 * topics with a fresh consumer group, with the same status and history; for notification, a replay
 * over the same records sends no customer an e-mail twice.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { replayConsumer } from '../../../local/replay';
import { orderBody, Shop } from '../e2e/shop';

let pipeline: RunningPipeline;
let shop: Shop;

beforeAll(async () => {
  pipeline = await startPipeline({ profile: 'test', infrastructure: inject('localServices') });
  shop = new Shop(pipeline);
});

afterAll(async () => {
  await pipeline?.stop();
});

describe('replaying the order read model', () => {
  it('brings a deleted order back with the same status and history', async () => {
    // Prepare: an order that reached its end state, all its events projected; then its item is lost
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const from = new Date(Date.now() - 1_000);
    const placed = await shop.placeOrder(customerId, orderBody());
    const orderId = placed.body.orderId!;
    await shop.waitForStatus(customerId, orderId, ['CONFIRMED', 'FAILED'], 60_000);
    await pipeline.waitForConsumersIdle();
    const before = (await pipeline.readOrder(orderId))!;
    const statuses = (before.history as { status: string }[]).map((entry) => entry.status);
    expect(statuses).toEqual(expect.arrayContaining(['PENDING', before.status as string]));
    await shop.db.send(new DeleteCommand({ TableName: pipeline.tables.orders, Key: { orderId } }));
    expect(await pipeline.readOrder(orderId)).toBeUndefined();
    // Act
    const result = await replayConsumer({
      consumer: 'orderReadModel',
      from,
      infrastructure: inject('localServices'),
      mailboxDir: pipeline.mailboxDir,
      timeoutMs: 90_000,
      log: () => undefined,
    });
    // Assess
    for (const groupId of result.consumerGroupIds) {
      expect(groupId).toMatch(/^order-pipeline\.order-read-model[a-z.-]*\.replay-\d+$/);
    }
    expect(result.consumerGroupIds).toHaveLength(new Set(result.consumerGroupIds).size);
    expect(result.records).toBeGreaterThan(0);
    const after = await pipeline.readOrder(orderId);
    expect(after?.status).toBe(before.status);
    expect(after?.history).toEqual(before.history);
  }, 240_000);
});

describe('replaying notification', () => {
  it('sends no e-mail that already went out', async () => {
    // Prepare: a confirmed order whose confirmation e-mail was sent
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const email = `${customerId}@example.com`;
    const from = new Date(Date.now() - 1_000);
    const placed = await shop.placeOrder(customerId, orderBody({ email }));
    const orderId = placed.body.orderId!;
    await shop.waitForStatus(customerId, orderId, ['CONFIRMED'], 60_000);
    await pipeline.waitForConsumersIdle();
    const before = await shop.mail(email);
    expect(before.length).toBeGreaterThan(0);

    // Act
    const result = await replayConsumer({
      consumer: 'notification',
      from,
      infrastructure: inject('localServices'),
      mailboxDir: pipeline.mailboxDir,
      timeoutMs: 90_000,
      log: () => undefined,
    });

    // Assess: the local mailbox keeps one file per message, so an e-mail sent again would show as
    // the same message with a later sentAt
    expect(result.records).toBeGreaterThan(0);
    expect(await shop.mail(email)).toEqual(before);
  }, 240_000);
});
