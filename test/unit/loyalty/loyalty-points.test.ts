import { describe, expect, it } from 'vitest';
import { LedgerConflictError } from '../../../lambdas/loyalty/ports/loyalty-ledger';
import {
  creditOrderPoints,
  LedgerContentionError,
  takeBackOrderPoints,
} from '../../../lambdas/loyalty/use-cases/loyalty-points';
import { InMemoryLoyaltyLedger } from './in-memory-loyalty-ledger';

const customerId = 'customer-42';
const confirm = (orderId: string, total = 4498) => ({
  customerId,
  orderId,
  total,
  at: '2026-11-24T10:00:00.000Z',
});
const refund = (orderId: string) => ({ customerId, orderId, at: '2026-11-24T10:05:00.000Z' });

type Step = 'credit' | 'refund';

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('loyalty use cases', () => {
  it('credits the points of a confirmed order once, however often it is delivered', async () => {
    // Prepare
    const ledger = new InMemoryLoyaltyLedger();

    // Act
    const first = await creditOrderPoints(ledger, confirm('order-1'));
    const again = await creditOrderPoints(ledger, confirm('order-1'));

    // Assess
    expect(first).toEqual({ kind: 'credited', points: 44 });
    expect(again).toEqual({ kind: 'duplicate' });
    expect(await ledger.balance(customerId)).toBe(44);
  });

  it('takes the points back on refund, once', async () => {
    // Prepare
    const ledger = new InMemoryLoyaltyLedger();
    await creditOrderPoints(ledger, confirm('order-1'));
    await creditOrderPoints(ledger, confirm('order-2', 1000));

    // Act
    const first = await takeBackOrderPoints(ledger, refund('order-1'));
    const again = await takeBackOrderPoints(ledger, refund('order-1'));

    // Assess
    expect(first).toEqual({ kind: 'debited', points: 44 });
    expect(again).toEqual({ kind: 'duplicate' });
    expect(await ledger.balance(customerId)).toBe(10);
  });

  it('cancels the credit when the refund arrived first', async () => {
    // Prepare
    const ledger = new InMemoryLoyaltyLedger();

    // Act
    const early = await takeBackOrderPoints(ledger, refund('order-1'));
    const late = await creditOrderPoints(ledger, confirm('order-1'));

    // Assess
    expect(early).toEqual({ kind: 'recorded-before-credit' });
    expect(late).toEqual({ kind: 'cancelled-by-refund' });
    expect(await ledger.balance(customerId)).toBe(0);
  });

  it('property: any order of credit, refund and their redeliveries leaves a balance of 0', async () => {
    const sequences = permutations<Step>(['credit', 'credit', 'refund', 'refund']);
    for (const sequence of sequences) {
      // Prepare
      const ledger = new InMemoryLoyaltyLedger();

      // Act
      for (const step of sequence) {
        if (step === 'credit') await creditOrderPoints(ledger, confirm('order-1'));
        else await takeBackOrderPoints(ledger, refund('order-1'));
      }

      // Assess
      expect(await ledger.balance(customerId)).toBe(0);
    }
  });

  it('property: concurrent credits and refunds never double-count', async () => {
    for (let run = 0; run < 20; run++) {
      // Prepare
      const ledger = new InMemoryLoyaltyLedger();
      const withRefund = run % 2 === 0;

      // Act
      await Promise.all([
        creditOrderPoints(ledger, confirm('order-1')),
        creditOrderPoints(ledger, confirm('order-1')),
        ...(withRefund
          ? [takeBackOrderPoints(ledger, refund('order-1')), takeBackOrderPoints(ledger, refund('order-1'))]
          : []),
      ]);

      // Assess
      expect(await ledger.balance(customerId)).toBe(withRefund ? 0 : 44);
    }
  });

  it('gives up with a typed error when the ledger keeps changing', async () => {
    // Prepare
    const ledger = new InMemoryLoyaltyLedger();
    ledger.recordCredit = async () => {
      throw new LedgerConflictError(customerId, 'order-1');
    };

    // Act
    const attempt = creditOrderPoints(ledger, confirm('order-1'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LedgerContentionError);
  });

  it('passes other ledger errors on unchanged', async () => {
    // Prepare
    const ledger = new InMemoryLoyaltyLedger();
    const failure = new Error('throttled');
    ledger.recordDebit = async () => {
      throw failure;
    };

    // Act
    const attempt = takeBackOrderPoints(ledger, refund('order-1'));

    // Assess
    await expect(attempt).rejects.toBe(failure);
  });
});
