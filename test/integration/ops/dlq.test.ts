/**
 * `npm run dlq` on the local mode: the tool's logic on the running pipeline's stack outputs and
 * endpoints, with the real consumers behind the local Lambda endpoint.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumerName } from '../../../lib/config/consumers';
import { OPERATOR_OUTPUTS } from '../../../lib/config/operator-outputs';
import { TOPICS } from '../../../lib/config/topics';
import { type RunningPipeline, startPipeline, writeToolFiles } from '../../../local/pipeline';
import type { KafkaRecord } from '../../../local/runtime/msk-event';
import { type FailureCondition, onFailureRecord } from '../../../local/runtime/on-failure';
import { detailLines, eventTypeOf, type FailureMessage } from '../../../scripts/ops/failure-message';
import {
  type FailureQueue,
  listFailures,
  openFailureQueue,
  redriveFailures,
  showFailures,
} from '../../../scripts/ops/failure-queue';
import { KafkaRecordSource } from '../../../scripts/ops/kafka-records';
import { localTargetOf, OpsError, type OpsTarget } from '../../../scripts/ops/target';
import { eventually, orderBody, Shop } from '../e2e/shop';

let pipeline: RunningPipeline;
let shop: Shop;
let target: OpsTarget;
const opened: FailureQueue[] = [];

beforeAll(async () => {
  pipeline = await startPipeline({ profile: 'test', infrastructure: inject('localStack') });
  shop = new Shop(pipeline);
  target = localTargetOf(pipeline.stackOutputs, pipeline.toolEnvironment);
});

afterAll(async () => {
  for (const queue of opened) await queue.close();
  await pipeline?.stop();
});

function queueOf(consumer: string): FailureQueue {
  const queue = openFailureQueue(target, consumer);
  opened.push(queue);
  return queue;
}

const coordinatesOf = (message: FailureMessage) =>
  message.ranges.map(
    (range) => `${range.topic}-${range.partition}@${range.firstOffset}..${range.lastOffset}`,
  );

/** Puts the event source mapping's invocation record for `records` on the consumer's failure queue. */
async function discardAsTheMappingDoes(
  consumer: ConsumerName,
  records: readonly KafkaRecord[],
  condition: FailureCondition,
): Promise<void> {
  const document = onFailureRecord({
    records,
    condition,
    functionArn: pipeline.stackOutputs[OPERATOR_OUTPUTS.functionName(consumer)]!,
    eventSourceArn: pipeline.stackOutputs[OPERATOR_OUTPUTS.kafkaCluster]!,
    bootstrapServers: pipeline.endpoints.kafkaBrokers,
    approximateInvokeCount: condition === 'RecordAgeExceeded' ? 0 : 61,
    functionError: condition === 'RetryAttemptsExhausted',
  });
  await shop.sqs.send(
    new SendMessageCommand({
      QueueUrl: pipeline.failureQueueUrl(consumer),
      MessageBody: JSON.stringify(document),
    }),
  );
}

/** The order's record of `eventType` on orders.events, read back from its partition. */
async function orderRecord(orderId: string, eventType: string): Promise<KafkaRecord> {
  const partitions = TOPICS.orderEvents.partitions;
  // The partition the producers' partitioner (kafkajs DefaultPartitioner) chose for the order id.
  const partition = Partitioners.DefaultPartitioner()({
    topic: TOPICS.orderEvents.name,
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    })),
    message: { key: orderId, value: null },
  });
  const source = new KafkaRecordSource(target);
  try {
    const { records } = await source.read([
      { topic: TOPICS.orderEvents.name, partition, firstOffset: '0', lastOffset: String(2n ** 62n) },
    ]);
    const found = records.find(
      (record) => record.key?.toString('utf8') === orderId && eventTypeOf(record.value) === eventType,
    );
    if (!found) throw new Error(`No ${eventType} of ${orderId} on orders.events-${partition}`);
    return found;
  } finally {
    await source.close();
  }
}

describe('npm run dlq on the local mode', () => {
  it('lists and shows a poison record, and reports it still refused on redrive, leaving one message for it', async () => {
    // Prepare: a record no consumer can decode, on the partition of a fresh order id
    const queue = queueOf('notification');
    const orderId = `poison-${randomUUID()}`;
    const value = `{"eventType":"OrderConfirmed", broken ${orderId}`;
    await pipeline.produceRaw(TOPICS.orderEvents.name, 5, orderId, value);
    const listed = await eventually(async () => {
      const found = (await listFailures(queue)).filter((message) => message.orderId === orderId);
      if (found.length !== 1) throw new Error(`${found.length} messages for ${orderId}`);
      return found[0]!;
    }, 60_000);

    // Act
    const [shown] = await showFailures(queue, { messageId: listed.messageId });
    const [report] = await redriveFailures(queue, { messageId: listed.messageId });
    const after = (await listFailures(queue)).filter((message) => message.orderId === orderId);

    // Assess
    expect(listed).toMatchObject({ kind: 'poison', reason: 'INVALID_ENVELOPE' });
    expect(listed.ranges[0]).toMatchObject({ topic: 'orders.events', partition: 5 });
    expect(detailLines(shown!.message, shown!.records, shown!.missing).join('\n')).toContain(value);
    expect(report?.records).toHaveLength(1);
    expect(report?.records[0]?.outcome).toBe('still refused');
    expect(after).toHaveLength(1);
    expect(after[0]?.ranges).toEqual(listed.ranges);
    expect(report?.records[0]?.detail).toContain(`now message ${after[0]?.messageId}`);
  });

  it('prints the list and the details from the command line, found through the files npm start writes', async () => {
    // Prepare: the two files of the 'dev' profile, written for this pipeline into a data folder of its own
    const dataDir = mkdtempSync(join(tmpdir(), 'dlq-cli-'));
    writeToolFiles(dataDir, 'OrderPipeline-dev-App', pipeline.stackOutputs, pipeline.toolEnvironment);
    const queue = queueOf('notification');
    const messages = await listFailures(queue);
    const expected = messages.length;
    const poisonId = messages.find((message) => message.orderId?.startsWith('poison-'))!.messageId;
    const dlq = (...args: string[]) =>
      spawnSync('npx', ['tsx', 'scripts/ops/dlq.ts', ...args], {
        env: { ...process.env, LOCAL_DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 60_000,
      });

    // Act
    const run = dlq('list', 'notification');
    const show = dlq('show', 'notification', poisonId);
    rmSync(dataDir, { recursive: true, force: true });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(show.stderr).toBe('');
    expect(show.status).toBe(0);
    expect(show.stdout).toContain(`message ${poisonId}\n  kind       poison`);
    expect(show.stdout).toMatch(/ {6}\{"eventType":"OrderConfirmed", broken poison-/);
    expect(run.stdout).toContain(
      `${expected} message${expected === 1 ? '' : 's'} on the notification failure queue (the local mode)`,
    );
    expect(run.stdout).toMatch(/ poison {2}orders\.events-5@\d+ {2}order poison-/);
  });

  it('redrives a discarded record once: the points are credited once, and a second redrive or a duplicate message changes nothing', async () => {
    // Prepare: loyalty does not see the order's OrderConfirmed; the mapping's invocation record for
    // it is on the loyalty failure queue twice, as a retried send can leave it
    const queue = queueOf('loyalty');
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    await pipeline.pause('loyalty');
    const placed = await shop.placeOrder(customerId, orderBody());
    const orderId = placed.body.orderId!;
    await shop.waitForStatus(customerId, orderId, ['CONFIRMED'], 60_000);
    const confirmed = await orderRecord(orderId, 'OrderConfirmed');
    for (let copy = 0; copy < 2; copy++) {
      await discardAsTheMappingDoes('loyalty', [confirmed], 'RetryAttemptsExhausted');
    }
    const coordinates = `orders.events-${confirmed.partition}@${confirmed.offset}..${confirmed.offset}`;
    const forRecord = async () =>
      (await listFailures(queue)).filter((message) => coordinatesOf(message).includes(coordinates));
    const [first, duplicate] = await forRecord();
    const before = await shop.loyaltyBalance(customerId);

    // Act
    const [shown] = await showFailures(queue, { messageId: first!.messageId });
    const [firstReport] = await redriveFailures(queue, { messageId: first!.messageId });
    const credited = await shop.loyaltyBalance(customerId);
    const again = await redriveFailures(queue, { messageId: first!.messageId }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const [duplicateReport] = await redriveFailures(queue, { messageId: duplicate!.messageId });
    const afterDuplicate = await shop.loyaltyBalance(customerId);
    // The mapping delivering the record after all is one more duplicate.
    await pipeline.resume('loyalty');
    await pipeline.waitForConsumersIdle();
    const afterMapping = await shop.loyaltyBalance(customerId);

    // Assess
    expect(first?.kind).toBe('retries exhausted');
    expect(shown?.records.map((record) => [record.key?.toString('utf8'), eventTypeOf(record.value)])).toEqual(
      [[orderId, 'OrderConfirmed']],
    );
    expect(duplicate).toBeDefined();
    expect(before).toBe(0);
    expect(firstReport?.records).toEqual([
      {
        topic: 'orders.events',
        partition: confirmed.partition,
        offset: confirmed.offset,
        outcome: 'processed',
      },
    ]);
    expect(firstReport?.deleted).toBe(true);
    expect(credited).toBeGreaterThan(0);
    expect(again).toBeInstanceOf(OpsError);
    expect((again as OpsError).message).toContain(
      `No message ${first!.messageId} on the loyalty failure queue`,
    );
    expect(duplicateReport?.records[0]?.outcome).toBe('processed');
    expect(duplicateReport?.deleted).toBe(true);
    expect(afterDuplicate).toBe(credited);
    expect(afterMapping).toBe(credited);
    expect(await forRecord()).toEqual([]);
  }, 180_000);

  it('says which records the topic no longer holds, naming its retention, and keeps their message', async () => {
    // Prepare: two records on notifications.commands, then deleted from the log as retention does
    const topic = TOPICS.notificationCommands.name;
    const partition = 7;
    const kafka = new Kafka({ brokers: [...pipeline.endpoints.kafkaBrokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const endOf = async () =>
      BigInt((await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition)!.high);
    const from = await endOf();
    await pipeline.produceRaw(topic, partition, `expired-${randomUUID()}`, 'first');
    await pipeline.produceRaw(topic, partition, `expired-${randomUUID()}`, 'second');
    const to = (await endOf()) - 1n;
    await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: String(to + 1n) }] });
    await admin.disconnect();
    const expired: KafkaRecord[] = [from, to].map((offset) => ({
      topic,
      partition,
      offset: String(offset),
      timestamp: String(Date.now()),
      key: null,
      value: null,
      headers: {},
    }));
    const queue = queueOf('notification');
    await discardAsTheMappingDoes('notification', expired, 'RecordAgeExceeded');
    const coordinates = `${topic}-${partition}@${from}..${to}`;
    const [message] = (await listFailures(queue)).filter((candidate) =>
      coordinatesOf(candidate).includes(coordinates),
    );

    // Act
    const [shown] = await showFailures(queue, { messageId: message!.messageId });
    const [report] = await redriveFailures(queue, { messageId: message!.messageId });
    const after = (await listFailures(queue)).map((candidate) => candidate.messageId);

    // Assess
    expect(message?.kind).toBe('record too old');
    expect(shown?.records).toEqual([]);
    expect(detailLines(shown!.message, shown!.records, shown!.missing).join('\n')).toContain(
      `${topic}-${partition}@${from}..${to} is no longer on the topic: ${topic} keeps records for its retention of 3 days (lib/config/topics.ts), and partition ${partition} now starts at offset ${to + 1n}`,
    );
    expect(report?.records).toEqual([{ topic, partition, offset: `${from}..${to}`, outcome: 'gone' }]);
    expect(report?.deleted).toBe(false);
    expect(after).toContain(message!.messageId);
  });

  it('refuses an unknown consumer with a clear error and exit code 1, without a stack trace', () => {
    // Act
    const open = () => openFailureQueue(target, 'billing');
    const run = spawnSync('npx', ['tsx', 'scripts/ops/dlq.ts', 'list', 'billing'], {
      encoding: 'utf8',
      timeout: 60_000,
    });

    // Assess
    expect(open).toThrow(OpsError);
    expect(open).toThrow("No consumer 'billing'; known: inventoryService, paymentService, notification");
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      "No consumer 'billing'; known: inventoryService, paymentService, notification, analytics, loyalty, fulfilment, orderReadModel",
    );
  });
});
