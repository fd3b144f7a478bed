import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoyaltyHandler, handler } from '../../../lambdas/loyalty/handlers/loyalty';
import { metrics } from '../../../lambdas/shared/observability';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { CUSTOMER_ID, orderEvents as e, eventId } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { poisonCount } from '../../fixtures/metrics';
import { mskEvent, mskEventOf } from '../../fixtures/msk';
import { InMemoryLoyaltyLedger } from '../../unit/loyalty/in-memory-loyalty-ledger';

function setup() {
  const ledger = new InMemoryLoyaltyLedger();
  const loyalty = createLoyaltyHandler({ ledger, failedRecordSink: new InMemoryFailedRecordSink() });
  return { ledger, loyalty };
}

const context = lambdaContext('loyalty');

describe('loyalty handler', () => {
  it('credits floor(total / 100) points on OrderConfirmed and ignores other events', async () => {
    // Prepare
    const { ledger, loyalty } = setup();
    const event = mskEventOf([
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.orderConfirmed('2026-11-24T10:00:01.000Z'),
    ]);

    // Act
    const response = await loyalty(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await ledger.balance(CUSTOMER_ID)).toBe(44);
    expect(ledger.credits.size).toBe(1);
  });

  it('takes the points back on PaymentRefunded from payments.events', async () => {
    // Prepare
    const { ledger, loyalty } = setup();
    await loyalty(mskEventOf([e.orderConfirmed('2026-11-24T10:00:01.000Z')]), context);

    // Act
    const response = await loyalty(mskEventOf([e.paymentRefunded('2026-11-24T10:05:00.000Z')]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await ledger.balance(CUSTOMER_ID)).toBe(0);
  });

  it('keeps the balance at 0 when the refund (payments.events) overtakes the confirmation (orders.events)', async () => {
    // Prepare
    const { ledger, loyalty } = setup();
    const refund = e.paymentRefunded('2026-11-24T10:05:00.000Z');
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');

    // Act: one batch with both topics (processed concurrently), then redeliveries of both.
    await loyalty(mskEvent([{ envelope: refund }, { envelope: confirmed }]), context);
    await loyalty(mskEvent([{ envelope: confirmed }, { envelope: refund }]), context);

    // Assess
    expect(await ledger.balance(CUSTOMER_ID)).toBe(0);
  });

  it('credits a redelivered OrderConfirmed once, in the same batch or a later one', async () => {
    // Prepare
    const { ledger, loyalty } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    await loyalty(mskEventOf([confirmed, confirmed]), context);

    // Act
    const response = await loyalty(mskEventOf([confirmed]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await ledger.balance(CUSTOMER_ID)).toBe(44);
  });

  it('credits and takes back once when both events are republished under new eventIds', async () => {
    // Prepare
    const { ledger, loyalty } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    const refund = e.paymentRefunded('2026-11-24T10:05:00.000Z');
    await loyalty(mskEventOf([confirmed]), context);
    const republished = await loyalty(mskEventOf([{ ...confirmed, eventId: eventId() }]), context);
    const creditedOnce = await ledger.balance(CUSTOMER_ID);

    // Act
    await loyalty(mskEvent([{ envelope: refund }]), context);
    await loyalty(mskEvent([{ envelope: { ...refund, eventId: eventId() } }]), context);

    // Assess
    expect(republished.batchItemFailures).toEqual([]);
    expect(creditedOnce).toBe(44);
    expect(await ledger.balance(CUSTOMER_ID)).toBe(0);
  });
});

describe('loyalty handler entry', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('sends a poison record to the failure sink and counts it once', async () => {
    // Prepare
    const sink = new InMemoryFailedRecordSink();
    const loyalty = createLoyaltyHandler({
      ledger: new InMemoryLoyaltyLedger(),
      failedRecordSink: sink,
    });
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);

    // Act
    const response = await loyalty(
      mskEvent([{ value: 'not json', options: { topic: 'orders.events' } }]),
      context,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sink.records).toMatchObject([{ reason: 'INVALID_ENVELOPE' }]);
    expect(poisonCount(addMetric.mock.calls)).toBe(1);
    addMetric.mockRestore();
  });

  it('wires the DynamoDB ledger from the environment', async () => {
    // Prepare
    Object.assign(process.env, {
      LOYALTY_TABLE_NAME: 'loyalty',
      DEAD_LETTER_TOPIC: 'dead-letters.loyalty',
    });

    // Act
    const response = await handler(mskEvent([]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
