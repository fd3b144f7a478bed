import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localSqsClient } from '../../../../local/infra/aws-clients';
import { ensureQueues } from '../../../../local/infra/elasticmq';
import { loadTemplate } from '../../../../local/runtime/cfn-template';
import { EventSourceMappings } from '../../../../local/runtime/event-source-mapping';
import { FunctionPool } from '../../../../local/runtime/function-pool';
import { LocalResolver } from '../../../../local/runtime/local-resources';
import { SqsOnFailureDestination } from '../../../../local/runtime/on-failure';
import { readEventSourceMappings, readFunctions } from '../../../../local/runtime/template';

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
  const { kafkaBrokers, sqsEndpoint } = inject('localStack');
  const runId = randomUUID().slice(0, 8);
  const topic = `esm-test-${runId}`;
  const queueName = `esm-test-on-failure-${runId}`;
  const recorderFile = join(mkdtempSync(join(tmpdir(), 'esm-')), 'records.jsonl');
  const kafka = new Kafka({ clientId: 'esm-test', brokers: [...kafkaBrokers], logLevel: logLevel.WARN });
  const sqs = localSqsClient(sqsEndpoint);
  let producer: Producer;
  let pool: FunctionPool;
  let mappings: EventSourceMappings;
  let onFailure: SqsOnFailureDestination;
  let queueUrl: string;

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
      topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    queueUrl = (await ensureQueues(sqsEndpoint, [queueName]))[queueName]!;

    const template = loadTemplate(join(FIXTURES, 'templates/app-esm.json'));
    const resolver = new LocalResolver(template, {
      kafkaBrokers,
      sqsEndpoint,
      refs: { OnFailureQueue: queueUrl },
    });
    const { functions } = readFunctions(template, resolver, {
      entryOverrides: { recorder: join(FIXTURES, 'handlers/kafka-recorder.ts') },
    });
    // A fresh topic and group per run; every other setting comes from the template.
    const definitions = readEventSourceMappings(template, resolver).map((definition) => ({
      ...definition,
      topics: [topic],
      consumerGroupId: `esm-test.${runId}`,
      onFailureQueueUrl: queueUrl,
    }));
    pool = new FunctionPool({
      functions,
      sharedEnvironment: { RECORDER_FILE: recorderFile },
      log: () => undefined,
    });
    onFailure = new SqsOnFailureDestination(sqsEndpoint);
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
    onFailure?.close();
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    sqs.destroy();
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
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/esm-fixture/local',
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

  it('isolates a poison record by bisecting, sends it to the on-failure queue, and keeps the partition flowing', async () => {
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
    const received: Record<string, unknown>[] = [];
    await waitFor(
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        received.push(
          ...(Messages ?? []).map((message) => JSON.parse(message.Body!) as Record<string, unknown>),
        );
        return received.length;
      },
      (count) => count >= 2,
    );
    const failedOffsets = received.map((document) => {
      const info = (document.KafkaBatchInfo as { recordsInfo: Record<string, { firstRecordOffset: string }> })
        .recordsInfo[`${topic}-0`]!;
      return info.firstRecordOffset;
    });
    const p1 = rows.find((row) => JSON.parse(row.value).seq === 'p1')!.offset;
    expect(failedOffsets.map(Number).sort((a, b) => a - b)).toEqual([p1 + 1, p1 + 4]);
    expect(received[0]).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:recorder',
      },
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
});
