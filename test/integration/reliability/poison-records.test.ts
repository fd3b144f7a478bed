/**
 * Reliability scenario 6: poison records on every consumed topic. Each topic gets three records on
 * one partition: not JSON, a valid envelope of an unsupported schema version, and a known event
 * whose payload misses its fields. Each must reach the dead-letter topic of every consumer of that
 * topic, with its reason, and the partition must keep flowing: the
 * consumers' lag returns to zero, a valid event behind the poison on orders.events is applied, and
 * orders placed afterwards end correctly.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../lambdas/shared/events/codec';
import { MESSAGE_SCHEMAS } from '../../../lambdas/shared/events/payloads';
import { CONSUMERS } from '../../../lib/config/consumers';
import { TOPICS } from '../../../lib/config/topics';
import { eventually, Shop } from '../e2e/shop';
import { KafkaFaults } from '../harness/kafka-faults';
import { openBooks, placeOrders, planOrders, usePipeline, writeResult } from './scenario';

const scenario = usePipeline();

const PARTITION = 5;

/** The first message type the catalogue puts on each topic (topic name -> type). */
function typeOfTopic(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [type, spec] of Object.entries(MESSAGE_SCHEMAS)) {
    const name = TOPICS[spec.topic as keyof typeof TOPICS].name;
    if (!out.has(name)) out.set(name, type);
  }
  return out;
}

function poisonValues(type: string, marker: string): { kind: string; value: string }[] {
  const envelope = {
    eventId: randomUUID(),
    eventType: type,
    orderId: randomUUID(),
    timestamp: new Date().toISOString(),
    correlationId: marker,
  };
  return [
    { kind: 'not-json', value: `{not json ${marker}` },
    { kind: 'wrong-version', value: JSON.stringify({ ...envelope, eventVersion: 0, data: {} }) },
    {
      kind: 'missing-fields',
      value: JSON.stringify({ ...envelope, eventId: randomUUID(), eventVersion: 1, data: {} }),
    },
  ];
}

describe('scenario 6: poison records on every consumed topic', () => {
  it('sends each to the dead-letter topic of every consumer of the topic with its reason, and the partitions keep flowing', async () => {
    // Prepare
    const started = Date.now();
    const { pipeline, ledger } = scenario;
    const shop = new Shop(pipeline);
    const initialStock = await openBooks(pipeline, ledger);
    for (const consumer of CONSUMERS) await shop.failures(consumer.name);
    const marker = randomUUID();
    const types = typeOfTopic();
    const topics = [...new Set(CONSUMERS.flatMap((c) => c.topics))];
    const followUp = createEvent('OrderPlaced', {
      orderId: randomUUID(),
      correlationId: marker,
      data: {
        customerId: `rel-poison-${marker.slice(0, 8)}`,
        items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 2490 }],
        total: 2490,
        currency: 'EUR',
        email: 'poison@example.com',
        shippingAddress: { name: 'P', line1: '1 Way', city: 'Berlin', postalCode: '10115', country: 'DE' },
        channel: 'web',
      },
    });

    // Act: three poison records per topic on one partition, a valid event behind them, then orders
    const faults = new KafkaFaults(pipeline.endpoints.kafkaBrokers);
    await faults.connect();
    let produced = 0;
    try {
      for (const topic of topics) {
        for (const { kind, value } of poisonValues(types.get(topic)!, marker)) {
          await faults.produceRaw(topic, PARTITION, `poison-${marker}-${kind}`, value);
          produced += 1;
        }
      }
      await faults.produceRaw(TOPICS.orderEvents.name, PARTITION, followUp.orderId, JSON.stringify(followUp));
    } finally {
      await faults.disconnect();
    }
    const placed = await placeOrders(pipeline, planOrders('poison', 10), { parallel: 2, gapMs: 300 });

    // Assess: each consumer's dead-letter topic holds exactly the three poison records of each of its topics
    const expected = CONSUMERS.flatMap((c) => c.topics.map((topic) => ({ consumer: c.name, topic })));
    const found = new Map<string, Record<string, unknown>[]>(CONSUMERS.map((c) => [c.name, []]));
    const missing: string[] = [];
    for (const consumer of CONSUMERS) {
      const want = consumer.topics.length * 3;
      await eventually(
        async () => {
          const mine = (await shop.failures(consumer.name)).filter((f) =>
            String(f.key ?? '').includes(marker),
          );
          found.get(consumer.name)!.push(...mine);
          if (found.get(consumer.name)!.length < want)
            throw new Error(`${consumer.name}: ${found.get(consumer.name)!.length}/${want}`);
        },
        60_000,
        500,
      ).catch(() =>
        missing.push(
          `${consumer.name}: ${found.get(consumer.name)!.length}/${want} poison records on its dead-letter topic`,
        ),
      );
    }
    const withoutReason = [...found.values()]
      .flat()
      .filter((f) => typeof f.reason !== 'string' || f.reason === '');
    const reasons = new Map<string, Set<string>>();
    for (const failure of [...found.values()].flat()) {
      const kind = String(failure.key).split(`${marker}-`)[1] ?? '?';
      if (!reasons.has(kind)) reasons.set(kind, new Set());
      reasons.get(kind)!.add(String(failure.reason));
    }
    await eventually(async () =>
      expect((await pipeline.readOrder(followUp.orderId))?.status).toBe('PENDING'),
    );
    await ledger.waitForTerminal(placed, ['CONFIRMED', 'FAILED'], 90_000);
    await pipeline.waitForConsumersIdle();
    const lagAfter = Object.fromEntries(
      await Promise.all(CONSUMERS.map(async (c) => [c.name, await pipeline.lag(c.name)] as const)),
    );
    // On a starved machine a saga step may time out: FAILED with its stock released is correct too.
    const verdict = await ledger.verifyEventually(placed, initialStock, ['CONFIRMED', 'FAILED']);
    const totalFound = [...found.values()].flat().length;
    const result = writeResult(
      {
        id: 'scenario-6-poison-records',
        title: '6. Poison records on every consumed topic',
        fault: `${produced} poison records (not JSON, eventVersion 0, payload missing its fields) on partition ${PARTITION} of each of ${topics.length} topics, then 10 orders`,
        durationSeconds: Math.round((Date.now() - started) / 1000),
        notes: [
          `${totalFound}/${expected.length * 3} (consumer, record) pairs on the dead-letter topics`,
          `reasons: ${[...reasons].map(([kind, set]) => `${kind} -> ${[...set].join('/')}`).join('; ')}`,
          'partition kept flowing: lag 0 for every consumer afterwards; the OrderPlaced behind the poison was applied',
        ],
        problems: [
          ...missing,
          ...withoutReason.map((f) => `failure without reason: ${JSON.stringify(f)}`),
          ...Object.entries(lagAfter)
            .filter(([, lag]) => lag !== 0)
            .map(([name, lag]) => `${name} still has lag ${lag}`),
        ],
      },
      verdict,
    );
    expect(result.problems).toEqual([]);
  }, 200_000);
});
