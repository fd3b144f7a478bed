/**
 * `npm run dlq` on the real local broker: a consumer's dead-letter topic listed, shown and
 * redriven, with dead letters written as Lambda's Kafka on-failure destination writes them and as
 * the handler's poison-record sink writes them.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Admin, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaDeadLetterSink } from '../../../lambdas/shared/kafka/dead-letter-sink';
import { STACK_OUTPUTS_FILE, TOOL_ENVIRONMENT_FILE } from '../../../local/infra/paths';
import type { KafkaRecord } from '../../../local/runtime/msk-event';
import { deadLetterMessages } from '../../../local/runtime/on-failure';
import { detailLines } from '../../../scripts/ops/dead-letter';
import { DeadLetterTopic, REDRIVEN_FROM_HEADER } from '../../../scripts/ops/dead-letter-topic';
import { runDlq } from '../../../scripts/ops/dlq';
import { KafkaRecordSource } from '../../../scripts/ops/kafka-records';
import { localTargetOf, OpsError, type OpsTarget } from '../../../scripts/ops/target';

const CLUSTER_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/order-pipeline-test/local';

let brokers: readonly string[];
let target: OpsTarget;
let admin: Admin;
let producer: Producer;
const opened: DeadLetterTopic[] = [];

beforeAll(async () => {
  brokers = inject('localServices').kafkaBrokers;
  target = localTargetOf({}, { KAFKA_BROKERS: brokers.join(',') });
  const kafka = new Kafka({ clientId: 'dlq-it', brokers: [...brokers], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  for (const topic of opened) await topic.close();
  await producer?.disconnect();
  await admin?.disconnect();
});

/** A source topic and a dead-letter topic of this test alone, one partition each. */
async function topicsOfThisTest(): Promise<{ source: string; deadLetters: DeadLetterTopic }> {
  const run = randomUUID().slice(0, 8);
  const source = `dlq-it-source-${run}`;
  const deadLetterTopic = `dlq-it-dead-letters-${run}`;
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: source, numPartitions: 1, replicationFactor: 1 },
      { topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1 },
    ],
  });
  const deadLetters = new DeadLetterTopic(target, 'loyalty', deadLetterTopic);
  opened.push(deadLetters);
  return { source, deadLetters };
}

/** Produces an envelope-like record to the source topic and reads it back with its offset. */
async function sourceRecord(topic: string, orderId: string, eventType: string): Promise<KafkaRecord> {
  const value = JSON.stringify({ eventId: randomUUID(), eventType, orderId, data: {} });
  const [sent] = await producer.send({
    topic,
    acks: -1,
    messages: [
      { key: orderId, value, headers: { 'event-type': eventType, 'correlation-id': `c-${orderId}` } },
    ],
  });
  return {
    topic,
    partition: 0,
    offset: sent!.baseOffset!,
    timestamp: String(Date.now()),
    key: Buffer.from(orderId),
    value: Buffer.from(value),
    headers: { 'event-type': Buffer.from(eventType), 'correlation-id': Buffer.from(`c-${orderId}`) },
  };
}

/** Writes the record to the dead-letter topic as the event source mapping does once its retries are spent. */
async function discardAsTheMappingDoes(deadLetterTopic: string, record: KafkaRecord): Promise<void> {
  const messages = deadLetterMessages({
    records: [record],
    condition: 'RetryAttemptsExhausted',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:order-pipeline-test-loyalty',
    eventSourceArn: CLUSTER_ARN,
    bootstrapServers: brokers,
    approximateInvokeCount: 61,
    functionError: true,
  });
  await producer.send({
    topic: deadLetterTopic,
    acks: -1,
    messages: messages.map((message) => ({ ...message })),
  });
}

/** What the source topic holds from `fromOffset` on. */
async function sourceRecordsFrom(topic: string, fromOffset: string): Promise<KafkaRecord[]> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  if (BigInt(partition!.high) <= BigInt(fromOffset)) return [];
  const reader = new KafkaRecordSource(target);
  try {
    const records = await reader.read([
      { topic, partition: 0, firstOffset: fromOffset, lastOffset: String(BigInt(partition!.high) - 1n) },
    ]);
    return [...records];
  } finally {
    await reader.close();
  }
}

async function endOffset(topic: string): Promise<string> {
  const [partition] = await admin.fetchTopicOffsets(topic);
  return partition!.high;
}

describe('npm run dlq on the dead-letter topic', () => {
  it("lists and shows the mapping's dead letter and the handler's poison record, each with its content", async () => {
    // Prepare
    const { source, deadLetters } = await topicsOfThisTest();
    const orderId = randomUUID();
    const exhausted = await sourceRecord(source, orderId, 'OrderConfirmed');
    await discardAsTheMappingDoes(deadLetters.topic, exhausted);
    const sink = new KafkaDeadLetterSink(deadLetters.topic, {
      producer: async () => producer,
      env: { KAFKA_BROKERS: brokers.join(',') },
    });
    await sink.send({
      consumer: 'loyalty',
      topic: source,
      partition: 0,
      offset: 99,
      key: `poison-${orderId}`,
      value: Buffer.from('{"eventType":"OrderConfirmed", broken').toString('base64'),
      headers: [{ 'event-type': [...Buffer.from('OrderConfirmed')] }],
      timestamp: Date.now(),
      reason: 'INVALID_ENVELOPE',
      error: 'Record value is not valid JSON',
      failedAt: new Date().toISOString(),
    });

    // Act
    const listed = await deadLetters.list();
    const shown = await deadLetters.show({ id: listed[1]!.id });

    // Assess
    expect(listed.map((deadLetter) => [deadLetter.id, deadLetter.kind, deadLetter.redriven])).toEqual([
      ['0@0', 'retries exhausted', false],
      ['0@1', 'poison', false],
    ]);
    expect(listed[0]).toMatchObject({
      orderId,
      eventType: 'OrderConfirmed',
      reason: 'RetryAttemptsExhausted',
    });
    expect(listed[0]!.records[0]).toMatchObject({
      topic: source,
      offset: exhausted.offset,
      key: exhausted.key,
    });
    expect(listed[0]!.records[0]!.headers['correlation-id']).toEqual(Buffer.from(`c-${orderId}`));
    const detail = detailLines(shown[0]!).join('\n');
    expect(detail).toContain('dead letter 0@1\n  kind       poison\n  reason     INVALID_ENVELOPE');
    expect(detail).toContain(`record ${source}-0@99`);
    expect(detail).toContain('{"eventType":"OrderConfirmed", broken');
  });

  it('redrives each record to its source topic with its key and headers, and a second redrive sends nothing', async () => {
    // Prepare
    const { source, deadLetters } = await topicsOfThisTest();
    const first = await sourceRecord(source, randomUUID(), 'OrderConfirmed');
    const second = await sourceRecord(source, randomUUID(), 'PaymentRefunded');
    await discardAsTheMappingDoes(deadLetters.topic, first);
    await discardAsTheMappingDoes(deadLetters.topic, second);
    const before = await endOffset(source);

    // Act
    const dryRun = await deadLetters.redrive({ all: true }, { dryRun: true });
    const afterDryRun = await endOffset(source);
    const redriven = await deadLetters.redrive({ all: true });
    const again = await deadLetters.redrive({ all: true });
    const againOne = await deadLetters.redrive({ id: '0@0' });

    // Assess
    expect(dryRun.flatMap((report) => report.records.map((record) => record.outcome))).toEqual([
      'would redrive',
      'would redrive',
    ]);
    expect(afterDryRun).toBe(before);
    expect(redriven.map((report) => report.records.map((record) => record.source))).toEqual([
      [`${source}-0@${first.offset}`],
      [`${source}-0@${second.offset}`],
    ]);
    const resent = await sourceRecordsFrom(source, before);
    expect(resent.map((record) => [record.key?.toString(), record.value?.toString()])).toEqual([
      [first.key?.toString(), first.value?.toString()],
      [second.key?.toString(), second.value?.toString()],
    ]);
    expect(resent[0]!.headers['event-type']?.toString()).toBe('OrderConfirmed');
    expect(resent[0]!.headers['correlation-id']?.toString()).toBe(
      first.headers['correlation-id']?.toString(),
    );
    expect(resent[0]!.headers[REDRIVEN_FROM_HEADER]?.toString()).toBe(`${deadLetters.topic}-0@0`);
    expect(again).toEqual([]);
    expect(againOne[0]?.skipped).toBe('already redriven');
    expect(await endOffset(source)).toBe(String(BigInt(before) + 2n));
    expect((await deadLetters.list()).every((deadLetter) => deadLetter.redriven)).toBe(true);
  });

  it('redrives a record the source topic no longer holds, from the content of the dead-letter topic', async () => {
    // Prepare: the source partition's log start moves past the record, as its retention would
    const { source, deadLetters } = await topicsOfThisTest();
    const record = await sourceRecord(source, randomUUID(), 'OrderConfirmed');
    await discardAsTheMappingDoes(deadLetters.topic, record);
    // kafkajs finds the partition leader only from metadata it has already loaded.
    await admin.fetchTopicMetadata({ topics: [source] });
    await admin.deleteTopicRecords({
      topic: source,
      partitions: [{ partition: 0, offset: String(BigInt(record.offset) + 1n) }],
    });
    const [gone] = await admin.fetchTopicOffsets(source);
    expect(BigInt(gone!.low)).toBeGreaterThan(BigInt(record.offset));

    // Act
    const reports = await deadLetters.redrive({ id: '0@0' });

    // Assess
    expect(reports[0]?.records).toEqual([{ source: `${source}-0@${record.offset}`, outcome: 'redriven' }]);
    const [resent] = await sourceRecordsFrom(source, gone!.low);
    expect(resent?.value?.toString()).toBe(record.value?.toString());
    expect(resent?.key?.toString()).toBe(record.key?.toString());
  });

  it('redrives a partition in order: one id takes the pending dead letters before it along', async () => {
    // Prepare
    const { source, deadLetters } = await topicsOfThisTest();
    for (const eventType of ['OrderConfirmed', 'PaymentRefunded', 'OrderFailed']) {
      await discardAsTheMappingDoes(deadLetters.topic, await sourceRecord(source, randomUUID(), eventType));
    }

    // Act
    const reports = await deadLetters.redrive({ id: '0@1' });

    // Assess
    expect(reports.map((report) => report.deadLetter.id)).toEqual(['0@0', '0@1']);
    expect((await deadLetters.list()).map((deadLetter) => deadLetter.redriven)).toEqual([true, true, false]);
  });

  it('lists from the command line through the files npm start writes, and refuses an unknown dead letter', async () => {
    // Prepare: the two files npm start writes, pointing at this broker
    const dataDir = mkdtempSync(join(tmpdir(), 'dlq-cli-'));
    writeFileSync(join(dataDir, STACK_OUTPUTS_FILE), JSON.stringify({ 'OrderPipeline-test-App': {} }));
    writeFileSync(join(dataDir, TOOL_ENVIRONMENT_FILE), JSON.stringify({ KAFKA_BROKERS: brokers.join(',') }));
    const saved = process.env.LOCAL_DATA_DIR;
    process.env.LOCAL_DATA_DIR = dataDir;
    const lines: string[] = [];

    // Act
    try {
      await runDlq(['list', 'loyalty'], (line) => lines.push(line));
      const unknown = await runDlq(['show', 'loyalty', '9@999999'], () => undefined).catch((error) => error);

      // Assess
      expect(unknown).toBeInstanceOf(OpsError);
      expect((unknown as OpsError).message).toMatch(/^No dead letter 9@999999 on dead-letters\.loyalty/);
    } finally {
      if (saved === undefined) delete process.env.LOCAL_DATA_DIR;
      else process.env.LOCAL_DATA_DIR = saved;
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(lines.at(-1)).toMatch(
      /^\d+ dead letters? on dead-letters\.loyalty, \d+ pending \(the local mode\)$/,
    );
  });

  it('refuses an unknown consumer with a clear error and exit code 1, without a stack trace', () => {
    // Act
    const run = spawnSync('npx', ['tsx', 'scripts/ops/dlq.ts', 'list', 'billing'], {
      encoding: 'utf8',
      timeout: 60_000,
    });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      "No consumer 'billing'; known: inventoryService, paymentService, notification, analytics, loyalty, fulfilment, orderReadModel",
    );
  });
});
