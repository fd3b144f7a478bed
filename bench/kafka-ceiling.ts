/**
 * Benchmark 4, the broker's ceiling: raw produce and consume rates of the benchmark's own broker
 * with the project's producer (createProducer: idempotent, acks all, one request in flight), with
 * records the size of a real OrderPlaced envelope. Two produce shapes: one record per send (how
 * the saga publisher and services publish) from several concurrent senders, and batches of 100
 * per send (the upper bound for this producer). Then one consumer reads everything back.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createProducer } from '../lambdas/shared/kafka/producer';
import type { BenchContext } from './lib/context';
import { CpuSampler, type CpuWindow } from './lib/cpu-sampler';
import { BENCH_DATA_MARKER } from './lib/environment';
import { machineInfo, round2, writeResult } from './lib/results';

export interface CeilingRun {
  readonly label: string;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly cpu: CpuWindow;
}

const TOPIC = 'bench.kafka-ceiling';
const PARTITIONS = 32;

export async function runKafkaCeiling(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const { info } = await ctx.environment();
  const brokers = [...info.kafkaBrokers];
  const seconds = ctx.quick ? 3 : 15;
  const senders = 8;
  const value = Buffer.from(JSON.stringify(sampleEnvelope()));
  const kafka = new Kafka({ clientId: 'bench-ceiling', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  await admin.disconnect();
  // A new topic's leaders settle for a moment; the first sends would measure that instead of the broker.
  const warm = await createProducer({ brokers, ssl: false }, 'bench-warm');
  await warm.connect();
  for (let partition = 0; partition < PARTITIONS; partition++) {
    await warm.send({ topic: TOPIC, acks: -1, messages: [{ partition, key: 'warm', value }] });
  }
  await warm.disconnect();

  const produce = async (label: string, batch: number, concurrency: number): Promise<CeilingRun> => {
    const producers = await Promise.all(
      Array.from({ length: concurrency }, (_, i) => createProducer({ brokers, ssl: false }, `bench-${i}`)),
    );
    await Promise.all(producers.map((producer) => producer.connect()));
    let records = 0;
    const cpu = new CpuSampler(BENCH_DATA_MARKER);
    const t0 = performance.now();
    const until = t0 + seconds * 1000;
    await Promise.all(
      producers.map(async (producer) => {
        while (performance.now() < until) {
          await producer.send({
            topic: TOPIC,
            acks: -1,
            messages: Array.from({ length: batch }, () => ({ key: randomUUID(), value })),
          });
          records += batch;
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const window = cpu.window();
    await Promise.all(producers.map((producer) => producer.disconnect()));
    const run = {
      label,
      records,
      seconds: round2(elapsed),
      recordsPerSecond: round2(records / elapsed),
      megabytesPerSecond: round2((records * value.length) / elapsed / 1e6),
      cpu: window,
    };
    ctx.log(`kafka: ${label}: ${run.recordsPerSecond} records/s`);
    return run;
  };

  const single = await produce(`produce, 1 record per send, ${senders} producers`, 1, senders);
  // Four times the senders: if the rate scales, one send's latency (one request in flight) is the limit, not the broker.
  const singleWide = await produce(`produce, 1 record per send, ${senders * 4} producers`, 1, senders * 4);
  const batched = await produce('produce, 100 records per send, 1 producer', 100, 1);
  const batchedParallel = await produce(
    `produce, 100 records per send, ${senders / 2} producers`,
    100,
    senders / 2,
  );
  const total = PARTITIONS + single.records + singleWide.records + batched.records + batchedParallel.records;

  const consumer = kafka.consumer({ groupId: `bench.ceiling-${randomUUID()}`, maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  let consumed = 0;
  const cpu = new CpuSampler(BENCH_DATA_MARKER);
  let t0 = 0;
  const consumeTimeoutMs = ctx.quick ? 60_000 : 180_000;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch }) => {
        if (t0 === 0) t0 = performance.now();
        consumed += batch.messages.length;
        if (consumed >= total) resolve();
      },
    });
    setTimeout(resolve, consumeTimeoutMs);
  });
  await done;
  const elapsed = (performance.now() - (t0 || performance.now())) / 1000;
  const consumeWindow = cpu.window();
  await consumer.disconnect();
  const consume: CeilingRun = {
    label: 'consume, 1 consumer (kafkajs eachBatch), from the beginning',
    records: consumed,
    seconds: round2(elapsed),
    recordsPerSecond: round2(consumed / Math.max(elapsed, 0.001)),
    megabytesPerSecond: round2((consumed * value.length) / Math.max(elapsed, 0.001) / 1e6),
    cpu: consumeWindow,
  };
  ctx.log(`kafka: ${consume.label}: ${consume.recordsPerSecond} records/s`);
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await cleanup.disconnect();
  return writeResult(
    'kafka-ceiling',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      producer:
        'lambdas/shared/kafka/producer.ts createProducer (idempotent, acks all, maxInFlightRequests 1)',
      recordBytes: value.length,
      topicPartitions: PARTITIONS,
      secondsPerProduceRun: seconds,
      brokers: 1,
    },
    { produce: [single, singleWide, batched, batchedParallel], consume },
  );
}

function sampleEnvelope(): unknown {
  return {
    eventId: randomUUID(),
    eventType: 'OrderPlaced',
    eventVersion: 2,
    orderId: randomUUID(),
    timestamp: new Date().toISOString(),
    correlationId: randomUUID(),
    data: {
      customerId: 'bench-cust-1',
      items: [
        { sku: 'SKU-1', quantity: 2, unitPrice: 2490 },
        { sku: 'SKU-3', quantity: 1, unitPrice: 599 },
      ],
      total: 5579,
      currency: 'EUR',
      email: 'bench@example.com',
      shippingAddress: {
        name: 'Ada Lovelace',
        line1: '1 Analytical St',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
      channel: 'web',
    },
  };
}
