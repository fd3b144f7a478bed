import { describe, expect, it } from 'vitest';
import { DynamoDbLoyaltyLedger } from '../../../../lambdas/loyalty/adapters/dynamodb-loyalty-ledger';
import { LedgerConflictError } from '../../../../lambdas/loyalty/ports/loyalty-ledger';
import { FakeDocumentClient, transactionCanceled } from '../../../fixtures/consumers/fake-document-client';

const at = '2026-11-24T10:00:00.000Z';

describe('DynamoDbLoyaltyLedger', () => {
  it("reads an order's CREDIT and DEBIT entries with one consistent query", async () => {
    // Prepare
    const client = new FakeDocumentClient();
    client.responder = () => ({
      Items: [
        { customerId: 'c', entryId: 'ORDER#o-1#CREDIT', points: 44, applied: true },
        { customerId: 'c', entryId: 'ORDER#o-1#DEBIT', points: 44 },
      ],
    });
    const ledger = new DynamoDbLoyaltyLedger(client.asClient(), 'loyalty');

    // Act
    const entries = await ledger.orderLedger('c', 'o-1');

    // Assess
    expect(entries).toEqual({ credit: { points: 44, applied: true }, debit: { points: 44 } });
    expect(client.sent[0].input).toMatchObject({
      KeyConditionExpression: 'customerId = :customerId AND begins_with(entryId, :prefix)',
      ExpressionAttributeValues: { ':customerId': 'c', ':prefix': 'ORDER#o-1#' },
      ConsistentRead: true,
    });
  });

  it('returns an empty ledger for an unknown order and a zero balance for a new customer', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const ledger = new DynamoDbLoyaltyLedger(client.asClient(), 'loyalty');

    // Act
    const entries = await ledger.orderLedger('c', 'o-1');
    const balance = await ledger.balance('c');

    // Assess
    expect(entries).toEqual({});
    expect(balance).toBe(0);
  });

  it('reads the balance item', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    client.responder = () => ({ Item: { customerId: 'c', entryId: 'BALANCE', points: 12 } });

    // Act
    const balance = await new DynamoDbLoyaltyLedger(client.asClient(), 'loyalty').balance('c');

    // Assess
    expect(balance).toBe(12);
    expect(client.sent[0].input.Key).toEqual({ customerId: 'c', entryId: 'BALANCE' });
  });

  it('puts the CREDIT entry, checks the DEBIT is absent and adds to the balance in one transaction', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const ledger = new DynamoDbLoyaltyLedger(client.asClient(), 'loyalty');

    // Act
    await ledger.recordCredit({ customerId: 'c', orderId: 'o-1', points: 44, applyToBalance: true, at });

    // Assess
    const [put, check, update] = client.sent[0].input.TransactItems;
    expect(put.Put).toMatchObject({
      Item: { customerId: 'c', entryId: 'ORDER#o-1#CREDIT', points: 44, applied: true },
      ConditionExpression: 'attribute_not_exists(entryId)',
    });
    expect(check.ConditionCheck).toMatchObject({
      Key: { customerId: 'c', entryId: 'ORDER#o-1#DEBIT' },
      ConditionExpression: 'attribute_not_exists(entryId)',
    });
    expect(update.Update).toMatchObject({
      Key: { customerId: 'c', entryId: 'BALANCE' },
      UpdateExpression: 'ADD points :points SET updatedAt = :at',
      ExpressionAttributeValues: { ':points': 44, ':at': at },
    });
  });

  it('records a cancelled credit without touching the balance', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const ledger = new DynamoDbLoyaltyLedger(client.asClient(), 'loyalty');

    // Act
    await ledger.recordCredit({ customerId: 'c', orderId: 'o-1', points: 44, applyToBalance: false, at });

    // Assess
    const items = client.sent[0].input.TransactItems;
    expect(items).toHaveLength(2);
    expect(items[1].ConditionCheck.ConditionExpression).toBe('attribute_exists(entryId)');
  });

  it('takes points back only with the CREDIT present, and records an early refund without balance change', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const ledger = new DynamoDbLoyaltyLedger(client.asClient(), 'loyalty');

    // Act
    await ledger.recordDebit({ customerId: 'c', orderId: 'o-1', points: 44, creditExists: true, at });
    await ledger.recordDebit({ customerId: 'c', orderId: 'o-2', points: 0, creditExists: false, at });

    // Assess
    const [withCredit, early] = client.sent.map((command) => command.input.TransactItems);
    expect(withCredit[1].ConditionCheck.ConditionExpression).toBe('attribute_exists(entryId)');
    expect(withCredit[2].Update.ExpressionAttributeValues[':points']).toBe(-44);
    expect(early).toHaveLength(2);
    expect(early[1].ConditionCheck.ConditionExpression).toBe('attribute_not_exists(entryId)');
  });

  it('maps a cancelled transaction to LedgerConflictError and passes other errors on', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const ledger = new DynamoDbLoyaltyLedger(client.asClient(), 'loyalty');
    client.responder = () => {
      throw transactionCanceled();
    };

    // Act
    const conflict = ledger.recordCredit({
      customerId: 'c',
      orderId: 'o-1',
      points: 1,
      applyToBalance: true,
      at,
    });

    // Assess
    await expect(conflict).rejects.toBeInstanceOf(LedgerConflictError);
    client.responder = () => {
      throw new Error('throttled');
    };
    await expect(
      ledger.recordDebit({ customerId: 'c', orderId: 'o-1', points: 1, creditExists: true, at }),
    ).rejects.toThrow('throttled');
  });
});
