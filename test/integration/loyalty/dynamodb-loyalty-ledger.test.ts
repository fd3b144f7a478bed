import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbLoyaltyLedger } from '../../../lambdas/loyalty/adapters/dynamodb-loyalty-ledger';
import { LedgerConflictError } from '../../../lambdas/loyalty/ports/loyalty-ledger';
import { creditOrderPoints, takeBackOrderPoints } from '../../../lambdas/loyalty/use-cases/loyalty-points';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';

const at = '2026-11-24T10:00:00.000Z';

describe('loyalty ledger on the local DynamoDB server', () => {
  let table: TestTable;
  let ledger: DynamoDbLoyaltyLedger;

  beforeAll(async () => {
    table = await createTestTable(
      inject('localServices').dynamodbEndpoint,
      'loyalty',
      'customerId',
      'entryId',
    );
    ledger = new DynamoDbLoyaltyLedger(table.documentClient, table.name);
  });

  afterAll(async () => {
    await table.drop();
  });

  it('credits once and takes back once, whatever is redelivered', async () => {
    // Act
    const outcomes = [
      await creditOrderPoints(ledger, { customerId: 'c-1', orderId: 'o-1', total: 4498, at }),
      await creditOrderPoints(ledger, { customerId: 'c-1', orderId: 'o-1', total: 4498, at }),
      await creditOrderPoints(ledger, { customerId: 'c-1', orderId: 'o-2', total: 1000, at }),
      await takeBackOrderPoints(ledger, { customerId: 'c-1', orderId: 'o-1', at }),
      await takeBackOrderPoints(ledger, { customerId: 'c-1', orderId: 'o-1', at }),
    ];

    // Assess
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      'credited',
      'duplicate',
      'credited',
      'debited',
      'duplicate',
    ]);
    expect(await ledger.balance('c-1')).toBe(10);
  });

  it('cancels a credit whose refund came first', async () => {
    // Act
    await takeBackOrderPoints(ledger, { customerId: 'c-2', orderId: 'o-3', at });
    const late = await creditOrderPoints(ledger, { customerId: 'c-2', orderId: 'o-3', total: 4498, at });

    // Assess
    expect(late).toEqual({ kind: 'cancelled-by-refund' });
    expect(await ledger.balance('c-2')).toBe(0);
    expect(await ledger.orderLedger('c-2', 'o-3')).toEqual({
      credit: { points: 44, applied: false },
      debit: { points: 0 },
    });
  });

  it('keeps the balance exact under concurrent credits and refunds', async () => {
    // Act
    await Promise.all([
      creditOrderPoints(ledger, { customerId: 'c-3', orderId: 'o-4', total: 4498, at }),
      creditOrderPoints(ledger, { customerId: 'c-3', orderId: 'o-4', total: 4498, at }),
      takeBackOrderPoints(ledger, { customerId: 'c-3', orderId: 'o-4', at }),
      creditOrderPoints(ledger, { customerId: 'c-3', orderId: 'o-5', total: 2500, at }),
    ]);

    // Assess
    expect(await ledger.balance('c-3')).toBe(25);
  });

  it('refuses a credit whose entry already exists, atomically with the balance', async () => {
    // Act
    const attempt = ledger.recordCredit({
      customerId: 'c-1',
      orderId: 'o-2',
      points: 10,
      applyToBalance: true,
      at,
    });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LedgerConflictError);
    expect(await ledger.balance('c-1')).toBe(10);
  });
});
