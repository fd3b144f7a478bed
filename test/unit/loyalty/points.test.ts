import { describe, expect, it } from 'vitest';
import { decideCredit, decideDebit, pointsFor } from '../../../lambdas/loyalty/domain/points';

describe('loyalty points', () => {
  it('earns one point per whole currency unit of the total', () => {
    expect(pointsFor(4498)).toBe(44);
    expect(pointsFor(99)).toBe(0);
    expect(pointsFor(100)).toBe(1);
    expect(pointsFor(0)).toBe(0);
  });

  it('refuses totals that are not minor units', () => {
    expect(() => pointsFor(-1)).toThrow(RangeError);
    expect(() => pointsFor(12.5)).toThrow('non-negative integer');
  });

  it('credits a new order, cancels the credit of a refunded one and ignores a repeat', () => {
    expect(decideCredit({}, 4498)).toEqual({ kind: 'credit', points: 44 });
    expect(decideCredit({ debit: { points: 0 } }, 4498)).toEqual({ kind: 'cancelled', points: 44 });
    expect(decideCredit({ credit: { points: 44, applied: true } }, 4498)).toEqual({
      kind: 'already-credited',
    });
  });

  it('takes back only points that reached the balance', () => {
    expect(decideDebit({ credit: { points: 44, applied: true } })).toEqual({ kind: 'debit', points: 44 });
    expect(decideDebit({ credit: { points: 44, applied: false } })).toEqual({ kind: 'debit', points: 0 });
    expect(decideDebit({})).toEqual({ kind: 'debit-before-credit' });
    expect(decideDebit({ debit: { points: 44 } })).toEqual({ kind: 'already-debited' });
  });
});
