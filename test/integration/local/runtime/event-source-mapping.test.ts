import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseDeadLetterDocument } from '../../../../lambdas/shared/kafka/dead-letter-record';
import { AwsRuleViolationError } from '../../../../lib/config/aws-rules';
import { loadTemplate } from '../../../../local/runtime/cfn-template';
import { EventSourceMappings } from '../../../../local/runtime/event-source-mapping';
import { FunctionPool } from '../../../../local/runtime/function-pool';
import { LOCAL_ACCOUNT, LocalResolver } from '../../../../local/runtime/local-resources';
import { KafkaOnFailureDestination } from '../../../../local/runtime/on-failure';
import { readEventSourceMappings, readFunctions } from '../../../../local/runtime/template';
import { KafkaRecordSource } from '../../../../scripts/ops/kafka-records';
import { localTargetOf } from '../../../../scripts/ops/target';
import { mappingDefinition } from '../../../fixtures/local/mapping-definition';

const FIXTURES = resolve(__dirname, '../../../fixtures');

interface RecordedRecord {
  eventSource: string;
  eventSourceArn: string;
  bootstrapServers: string;
  partitionKey: string;
  topic: string;
  partition: number;
  offset: number;
  timestampType: string;
  key: string;
  value: string;
  headers: Record<string, string>[];
}

async function waitFor<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
}

describe('EventSourceMappings against a real Kafka broker', () => {
  const { kafkaBrokers } = inject('localServices');
  const runId = randomUUID().slice(0, 8);
  const topic = `esm-test-${runId}`;
  const deadLetterTopic = `esm-test-dead-letters-${runId}`;
  const recorderFile = join(mkdtempSync(join(tmpdir(), 'esm-')), 'records.jsonl');
  const kafka = new Kafka({ clientId: 'esm-test', brokers: [...kafkaBrokers], logLevel: logLevel.WARN });
  let producer: Producer;
  let pool: FunctionPool;
  let mappings: EventSourceMappings;
  let onFailure: KafkaOnFailureDestination;

  const recorded = (): RecordedRecord[] =>
    existsSync(recorderFile)
      ? readFileSync(recorderFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as RecordedRecord)
      : [];
  const totalLag = async () => (await mappings.getLag()).reduce((sum, entry) => sum + entry.lag, 0);
  const send = (messages: { key: string; value: string; partition?: number }[]) =>
    producer.send({
      topic,
      messages: messages.map((message) => ({
        ...message,
        headers: { 'event-type': 'OrderPlaced', 'correlation-id': `c-${message.key}` },
      })),
    });

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 2, replicationFactor: 1 },
        { topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1 },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();

    const template = loadTemplate(join(FIXTURES, 'templates/app-esm.json'));
    const resolver = new LocalResolver(template, {
      kafkaBrokers,
    });
    const { functions } = readFunctions(template, resolver, {
      entryOverrides: { recorder: join(FIXTURES, 'handlers/kafka-recorder.ts') },
    });
    // A fresh topic and group per run; every other setting comes from the template.
    const definitions = readEventSourceMappings(template, resolver).map((definition) => ({
      ...definition,
      topics: [topic],
      consumerGroupId: `esm-test.${runId}`,
      onFailureTopic: deadLetterTopic,
    }));
    pool = new FunctionPool({
      functions,
      sharedEnvironment: { RECORDER_FILE: recorderFile },
      log: () => undefined,
    });
    onFailure = new KafkaOnFailureDestination(kafkaBrokers);
    mappings = new EventSourceMappings({
      mappings: definitions,
      invoke: (fn, event) => pool.invoke(fn, event),
      functionArnOf: (fn) => pool.resolve(fn).arn,
      brokers: kafkaBrokers,
      onFailure,
      retryBackoffMs: () => 20,
    });
    await mappings.start();
  });

  afterAll(async () => {
    await mappings?.stop();
    await producer?.disconnect();
    await pool?.close();
    await onFailure?.close();
  });

  it('hands the function real MSK events, in order per partition, and commits what it processed', async () => {
    // Prepare
    const messages = Array.from({ length: 12 }, (_, index) => ({
      key: `order-${index % 3}`,
      value: JSON.stringify({ seq: index }),
      partition: index % 2,
    }));

    // Act
    await send(messages);
    const records = await waitFor(recorded, (rows) => rows.length >= 12);

    // Assess
    expect(records[0]).toMatchObject({
      eventSource: 'aws:kafka',
      eventSourceArn: `arn:aws:kafka:${LOCAL_ACCOUNT.region}:000000000000:cluster/esm-fixture/local`,
      bootstrapServers: kafkaBrokers.join(','),
      timestampType: 'CREATE_TIME',
    });
    expect(records[0]!.headers).toContainEqual({ 'event-type': 'OrderPlaced' });
    for (const partition of [0, 1]) {
      const offsets = records.filter((row) => row.partition === partition).map((row) => row.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(
        records
          .filter((row) => row.partition === partition)
          .every((row) => row.partitionKey === `${topic}-${partition}`),
      ).toBe(true);
    }
    await waitFor(totalLag, (lag) => lag === 0);
    const [stats] = mappings.stats();
    expect(stats).toMatchObject({ recordsIn: 12, functionErrors: 0, failuresSent: 0 });
    // BatchSize 5 from the template: 6 records of one partition need two invocations at least.
    expect(stats!.invocations).toBeGreaterThanOrEqual(4);
  });

  it('isolates a poison record by bisecting, writes it with its content to the dead-letter topic, and keeps the partition flowing', async () => {
    // Prepare
    const before = recorded().length;

    // Act
    await send([
      { key: 'a', value: '{"seq":"p1"}', partition: 0 },
      { key: 'a', value: '{"seq":"poison"}', partition: 0 },
      { key: 'a', value: '{"seq":"p3"}', partition: 0 },
      { key: 'a', value: '{"seq":"p4"}', partition: 0 },
      { key: 'a', value: '{"seq":"reject"}', partition: 0 },
    ]);
    const rows = await waitFor(recorded, (all) => all.length >= before + 3);
    await waitFor(totalLag, (lag) => lag === 0);

    // Assess
    expect(rows.slice(before).map((row) => JSON.parse(row.value).seq)).toEqual(['p1', 'p3', 'p4']);
    await waitFor(
      () => mappings.stats()[0]!.failuresSent,
      (sent) => sent >= 2,
    );
    const source = new KafkaRecordSource(localTargetOf({}, { KAFKA_BROKERS: kafkaBrokers.join(',') }));
    const deadLetters = await source
      .read([{ topic: deadLetterTopic, partition: 0, firstOffset: '0', lastOffset: '1' }])
      .finally(() => source.close());
    const documents = deadLetters.map((record) => parseDeadLetterDocument(record.value!.toString('utf8')));
    const failed = documents.map((document) => document.payload.records[`${topic}-0`]![0]!);
    const p1 = rows.find((row) => JSON.parse(row.value).seq === 'p1')!.offset;
    expect(failed.map((record) => record.offset).sort((a, b) => a - b)).toEqual([p1 + 1, p1 + 4]);
    expect(failed.map((record) => Buffer.from(record.value, 'base64').toString()).sort()).toEqual([
      '{"seq":"poison"}',
      '{"seq":"reject"}',
    ]);
    expect(deadLetters.map((record) => record.key?.toString())).toEqual(['a', 'a']);
    expect(failed[0]!.headers).toContainEqual({ 'event-type': [...Buffer.from('OrderPlaced')] });
    expect(documents[0]).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        functionArn: `arn:aws:lambda:${LOCAL_ACCOUNT.region}:000000000000:function:recorder`,
      },
      KafkaBatchInfo: { batchSize: 1 },
      version: '1.0',
    });
    expect(mappings.stats()[0]!.failuresSent).toBe(2);
  });

  it('holds records while paused, with the lag showing them, and drains them after resume', async () => {
    // Prepare
    const before = recorded().length;
    expect(mappings.pause('RecorderFn')).toEqual(['RecorderMapping']);

    // Act
    await send(
      Array.from({ length: 6 }, (_, index) => ({ key: `k${index}`, value: `{"seq":"paused-${index}"}` })),
    );
    const lagWhilePaused = await waitFor(totalLag, (lag) => lag === 6, 10_000);
    await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
    const recordedWhilePaused = recorded().length - before;
    mappings.resume('esm-test.' + runId);

    // Assess
    expect(lagWhilePaused).toBe(6);
    expect(recordedWhilePaused).toBe(0);
    expect(mappings.stats()[0]!.paused).toBe(false);
    await waitFor(recorded, (rows) => rows.length >= before + 6);
    await waitFor(totalLag, (lag) => lag === 0);
  });

  it('refuses to start a mapping whose on-failure destination topic the cluster does not have', async () => {
    // Prepare
    const destination = new KafkaOnFailureDestination(kafkaBrokers);
    const missing = new EventSourceMappings({
      mappings: [
        mappingDefinition({
          topics: [topic],
          consumerGroupId: `esm-test.missing.${runId}`,
          onFailureTopic: `esm-test-no-such-topic-${runId}`,
        }),
      ],
      invoke: async () => undefined,
      functionArnOf: (fn) => fn,
      brokers: kafkaBrokers,
      onFailure: destination,
    });

    // Act
    const starting = missing.start();

    // Assess
    await expect(starting).rejects.toThrow(AwsRuleViolationError);
    await expect(starting).rejects.toThrow(/not in the cluster, received kafka:\/\/esm-test-no-such-topic-/);
    await missing.stop();
    await destination.close();
  });
});
