import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbPaymentLedger } from '../../../lambdas/payment/adapters/dynamodb-payment-ledger';
import { chargeCard } from '../../../lambdas/payment/use-cases/charge-card';
import { refundCharge } from '../../../lambdas/payment/use-cases/refund-charge';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { InMemoryEventPublisher } from '../../fixtures/in-memory-event-publisher';
import { CountingCardProcessor } from '../../unit/payment/fakes';
import { RecordingSagaCallback } from '../../unit/saga/fakes';

describe('payments ledger on the local DynamoDB server', () => {
  let table: TestTable;
  let ledger: DynamoDbPaymentLedger;

  beforeAll(async () => {
    table = await createTestTable(inject('localServices').dynamodbEndpoint, 'payments', 'orderId', 'entry');
    ledger = new DynamoDbPaymentLedger(table.name, table.documentClient);
  });

  afterAll(async () => {
    await table.drop();
  });

  function deps() {
    return {
      ledger,
      provider: new CountingCardProcessor(),
      callback: new RecordingSagaCallback(),
      publisher: new InMemoryEventPublisher(),
      sleep: async () => undefined,
    };
  }

  const command = (orderId: string, paymentToken: string, taskToken = 't') => ({
    orderId,
    correlationId: 'corr',
    taskToken,
    customerId: 'c-1',
    amount: 2500,
    currency: 'EUR' as const,
    paymentToken,
  });

  async function entries(orderId: string) {
    const { Items = [] } = await table.documentClient.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'orderId = :o',
        ExpressionAttributeValues: { ':o': orderId },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => item.entry as string).sort();
  }

  it('writes one CHARGE under concurrent duplicate commands', async () => {
    // Prepare
    const orderId = `charge-${Date.now()}`;
    const shared = deps();

    // Act
    const results = await Promise.all(
      [1, 2, 3].map((n) => chargeCard(command(orderId, 'tok_approve', `t${n}`), shared)),
    );

    // Assess
    expect(results.every((r) => r.outcome === 'CHARGED' || r.outcome === 'ALREADY_CHARGED')).toBe(true);
    expect((await entries(orderId)).filter((e) => e === 'CHARGE')).toHaveLength(1);
    expect(shared.callback.calls.every((c) => c.kind === 'success')).toBe(true);
  });

  it('counts tok_flaky attempts in the ledger across invocations', async () => {
    // Prepare
    const orderId = `flaky-${Date.now()}`;
    const oneAttempt = { ...deps(), maxAttempts: 1 };

    // Act
    const outcomes = [];
    for (const n of [1, 2, 3])
      outcomes.push((await chargeCard(command(orderId, 'tok_flaky', `t${n}`), oneAttempt)).outcome);

    // Assess
    expect(outcomes).toEqual(['TRANSIENT_FAILURE', 'TRANSIENT_FAILURE', 'CHARGED']);
    expect(await entries(orderId)).toEqual(['ATTEMPT#1', 'ATTEMPT#2', 'ATTEMPT#3', 'CHARGE']);
  });

  it('refunds once, and a refund of an order never charged is a no-op that voids it', async () => {
    // Prepare
    const charged = `refund-${Date.now()}`;
    const never = `never-${Date.now()}`;
    const shared = deps();
    await chargeCard(command(charged, 'tok_approve'), shared);
    const refund = (orderId: string) => ({
      orderId,
      correlationId: 'corr',
      taskToken: 'r',
      customerId: 'c-1',
      currency: 'EUR' as const,
    });

    // Act
    const results = await Promise.all([
      refundCharge(refund(charged), shared),
      refundCharge(refund(charged), shared),
    ]);
    const noop = await refundCharge(refund(never), shared);
    const late = await chargeCard(command(never, 'tok_approve'), shared);

    // Assess
    expect(results.map((r) => r.outcome).sort()).toEqual(['ALREADY_REFUNDED', 'REFUNDED']);
    expect(await entries(charged)).toEqual(['ATTEMPT#1', 'CHARGE', 'REFUND']);
    expect(noop.outcome).toBe('NOT_CHARGED');
    expect(late.outcome).toBe('VOIDED');
    expect(await entries(never)).toEqual(['VOID']);
  });

  it('lets exactly one of CHARGE and VOID in when a charge races the compensation', async () => {
    // Prepare: ten orders, each charged and voided at the same moment.
    const orderIds = Array.from({ length: 10 }, (_, i) => `race-${Date.now()}-${i}`);
    const charge = (orderId: string) => ({
      orderId,
      customerId: 'c-1',
      paymentId: `pay_${orderId}`,
      amount: 2500,
      currency: 'EUR' as const,
      chargedAt: 't',
    });

    // Act
    const outcomes = await Promise.all(
      orderIds.map((orderId) =>
        Promise.all([ledger.recordCharge(charge(orderId)), ledger.recordVoid(orderId, 't')]),
      ),
    );

    // Assess: per order either the charge is in the books or the void, never both.
    for (const [index, [charged, voided]] of outcomes.entries()) {
      const kept = await entries(orderIds[index]!);
      if (charged.recorded) {
        expect(voided).toBe('CHARGED');
        expect(kept).toEqual(['CHARGE']);
      } else {
        expect(charged).toEqual({ recorded: false, voided: true });
        expect(voided).toBe('VOIDED');
        expect(kept).toEqual(['VOID']);
      }
    }
  });
});
