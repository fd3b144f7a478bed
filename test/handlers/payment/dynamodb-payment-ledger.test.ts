import { describe, expect, it } from 'vitest';
import { DynamoDbPaymentLedger } from '../../../lambdas/payment/adapters/dynamodb-payment-ledger';
import { awsError, FakeDynamoDb } from '../inventory/fake-dynamodb';

const ORDER_ID = '3f1c2b9e-5d4a-4c7b-8e2f-1a2b3c4d5e6f';
const charge = {
  orderId: ORDER_ID,
  customerId: 'c-1',
  paymentId: 'pay_1',
  amount: 100,
  currency: 'EUR' as const,
  chargedAt: 't',
};
const refund = { ...charge, refundId: 're_1', refundedAt: 't' };

describe('DynamoDbPaymentLedger', () => {
  it('writes CHARGE and REFUND once and returns the existing entry afterwards', async () => {
    // Prepare
    const ledger = new DynamoDbPaymentLedger(
      'payments',
      new FakeDynamoDb({ payments: ['orderId', 'entry'] }),
    );

    // Act
    const charges = [
      await ledger.recordCharge(charge),
      await ledger.recordCharge({ ...charge, paymentId: 'pay_2' }),
    ];
    const refunds = [
      await ledger.recordRefund(refund),
      await ledger.recordRefund({ ...refund, refundId: 're_2' }),
    ];

    // Assess
    expect(charges).toEqual([
      { recorded: true },
      { recorded: false, existing: { ...charge, entry: 'CHARGE' } },
    ]);
    expect(refunds[1]).toMatchObject({ recorded: false, existing: { refundId: 're_1' } });
    expect(await ledger.getRefund(ORDER_ID)).toMatchObject({ refundId: 're_1' });
  });

  it('counts attempts as ATTEMPT#n and recounts when a concurrent attempt took the number', async () => {
    // Prepare
    const dynamo = new FakeDynamoDb({ payments: ['orderId', 'entry'] });
    const ledger = new DynamoDbPaymentLedger('payments', dynamo);
    const send = dynamo.send;
    let raced = false;
    Object.assign(dynamo, {
      send: async (command: unknown) => {
        if (!raced && (command as { constructor: { name: string } }).constructor.name === 'PutCommand') {
          raced = true;
          dynamo.seed('payments', [{ orderId: ORDER_ID, entry: 'ATTEMPT#1' }]);
        }
        return send(command);
      },
    });

    // Act
    const attempt = await ledger.recordAttempt(ORDER_ID, 't');

    // Assess
    expect(attempt).toBe(2);
  });

  it('voids once and reports it', async () => {
    // Prepare
    const ledger = new DynamoDbPaymentLedger(
      'payments',
      new FakeDynamoDb({ payments: ['orderId', 'entry'] }),
    );

    // Act
    await ledger.recordVoid(ORDER_ID, 't');
    await ledger.recordVoid(ORDER_ID, 't');

    // Assess
    expect(await ledger.isVoided(ORDER_ID)).toBe(true);
    expect(await ledger.isVoided('other')).toBe(false);
  });

  it('makes CHARGE and VOID exclude each other, whichever comes first', async () => {
    // Prepare
    const dynamo = new FakeDynamoDb({ payments: ['orderId', 'entry'] });
    const ledger = new DynamoDbPaymentLedger('payments', dynamo);

    // Act: voided first, then a late charge; charged first, then a late void.
    const voided = await ledger.recordVoid(ORDER_ID, 't');
    const lateCharge = await ledger.recordCharge(charge);
    const charged = await ledger.recordCharge({ ...charge, orderId: 'other' });
    const lateVoid = await ledger.recordVoid('other', 't');

    // Assess
    expect([voided, lateCharge, charged, lateVoid]).toEqual([
      'VOIDED',
      { recorded: false, voided: true },
      { recorded: true },
      'CHARGED',
    ]);
    expect(await ledger.getCharge(ORDER_ID)).toBeUndefined();
    expect(await ledger.isVoided('other')).toBe(false);
  });

  it('retries a transaction that collided with another one, then gives up', async () => {
    // Prepare
    const dynamo = new FakeDynamoDb({ payments: ['orderId', 'entry'] });
    const ledger = new DynamoDbPaymentLedger('payments', dynamo);
    const send = dynamo.send;
    let conflicts = 1;
    const conflict = () =>
      awsError('TransactionCanceledException', 'Transaction cancelled', {
        CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
      });
    Object.assign(dynamo, {
      send: async (command: unknown) => {
        if (conflicts > 0 && (command as object).constructor.name === 'TransactWriteCommand') {
          conflicts -= 1;
          throw conflict();
        }
        return send(command);
      },
    });

    // Act
    const first = await ledger.recordCharge(charge);
    conflicts = 5;
    const exhausted = ledger.recordVoid('other', 't');

    // Assess
    expect(first).toEqual({ recorded: true });
    await expect(exhausted).rejects.toThrow('Transaction cancelled');
  });

  it('rethrows errors other than a failed condition', async () => {
    // Prepare
    const dynamo = new FakeDynamoDb({ payments: ['orderId', 'entry'] });
    dynamo.failWith = awsError('InternalServerError');

    // Act / Assess
    await expect(new DynamoDbPaymentLedger('payments', dynamo).recordVoid(ORDER_ID, 't')).rejects.toThrow(
      'InternalServerError',
    );
  });
});
