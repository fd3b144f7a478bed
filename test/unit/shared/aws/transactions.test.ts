import { describe, expect, it, vi } from 'vitest';
import { MAX_TRANSACTION_ATTEMPTS, transactWrite } from '../../../../lambdas/shared/aws/transactions';

const cancelled = (...codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const input = {
  TransactItems: [
    { Put: { TableName: 't', Item: { pk: 'a' }, ConditionExpression: 'attribute_not_exists(pk)' } },
    { ConditionCheck: { TableName: 't', Key: { pk: 'b' }, ConditionExpression: 'attribute_not_exists(pk)' } },
  ],
};

describe('transactWrite', () => {
  it('resolves undefined once written', async () => {
    const send = vi.fn().mockResolvedValue({});
    await expect(transactWrite({ send }, input)).resolves.toBeUndefined();
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('answers which items failed their condition, without trying again', async () => {
    const send = vi.fn().mockRejectedValue(cancelled('None', 'ConditionalCheckFailed'));
    await expect(transactWrite({ send }, input)).resolves.toEqual([false, true]);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('tries again while the transaction only collides with another one', async () => {
    const send = vi
      .fn()
      .mockRejectedValueOnce(cancelled('TransactionConflict', 'None'))
      .mockRejectedValueOnce(cancelled('None', 'TransactionConflict'))
      .mockResolvedValue({});
    await expect(transactWrite({ send }, input)).resolves.toBeUndefined();
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('throws a conflict that outlasts its attempts, and any other error at once', async () => {
    const conflict = cancelled('TransactionConflict', 'None');
    const busy = vi.fn().mockRejectedValue(conflict);
    await expect(transactWrite({ send: busy }, input)).rejects.toBe(conflict);
    expect(busy).toHaveBeenCalledTimes(MAX_TRANSACTION_ATTEMPTS);

    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const failing = vi.fn().mockRejectedValue(throttled);
    await expect(transactWrite({ send: failing }, input)).rejects.toBe(throttled);
    expect(failing).toHaveBeenCalledTimes(1);
  });
});
