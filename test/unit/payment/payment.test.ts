import { beforeEach, describe, expect, it } from 'vitest';
import {
  chargeCard,
  type PaymentDependencies,
  UnrefundedChargeError,
} from '../../../lambdas/payment/use-cases/charge-card';
import { refundCharge } from '../../../lambdas/payment/use-cases/refund-charge';
import { InMemoryEventPublisher } from '../../fixtures/in-memory-event-publisher';
import { RecordingSagaCallback } from '../saga/fakes';
import { CountingCardProcessor, InMemoryPaymentLedger } from './fakes';

const ORDER_ID = '3f1c2b9e-5d4a-4c7b-8e2f-1a2b3c4d5e6f';
const charge = (paymentToken = 'tok_approve', taskToken = 'charge-1') => ({
  orderId: ORDER_ID,
  correlationId: 'corr-1',
  taskToken,
  customerId: 'c-1',
  amount: 4498,
  currency: 'EUR' as const,
  paymentToken,
});
const refund = (taskToken = 'refund-1') => ({
  orderId: ORDER_ID,
  correlationId: 'corr-1',
  taskToken,
  customerId: 'c-1',
  currency: 'EUR' as const,
});

describe('payment use cases', () => {
  let ledger: InMemoryPaymentLedger;
  let provider: CountingCardProcessor;
  let callback: RecordingSagaCallback;
  let publisher: InMemoryEventPublisher;
  let sleeps: number[];
  let deps: PaymentDependencies;

  beforeEach(() => {
    ledger = new InMemoryPaymentLedger();
    provider = new CountingCardProcessor();
    callback = new RecordingSagaCallback();
    publisher = new InMemoryEventPublisher();
    sleeps = [];
    deps = {
      ledger,
      provider,
      callback,
      publisher,
      now: () => new Date('2026-11-24T21:00:00.000Z'),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    };
  });

  describe('chargeCard', () => {
    it('tok_approve: charges, records CHARGE, publishes PaymentCaptured and answers success', async () => {
      // Act
      const result = await chargeCard(charge(), deps);

      // Assess
      expect(result).toEqual({ outcome: 'CHARGED', callback: 'DELIVERED', attempts: 1 });
      const entry = ledger.charges.get(ORDER_ID)!;
      expect(entry).toMatchObject({ amount: 4498, currency: 'EUR', customerId: 'c-1' });
      expect(publisher.envelopes('PaymentCaptured')[0]?.data).toEqual({
        customerId: 'c-1',
        paymentId: entry.paymentId,
        amount: 4498,
        currency: 'EUR',
      });
      expect(callback.calls).toEqual([
        { kind: 'success', taskToken: 'charge-1', output: { status: 'CHARGED', paymentId: entry.paymentId } },
      ]);
    });

    it('never puts the payment token in the ledger or on an event', async () => {
      // Act
      await chargeCard(charge(), deps);

      // Assess
      expect(JSON.stringify([...ledger.charges.values()])).not.toContain('tok_');
      expect(JSON.stringify(publisher.envelopes())).not.toContain('tok_');
    });

    it('charges once under duplicate commands and answers success again', async () => {
      // Prepare
      await chargeCard(charge(), deps);

      // Act
      const repeat = await chargeCard(charge('tok_approve', 'charge-2'), deps);

      // Assess
      expect(repeat.outcome).toBe('ALREADY_CHARGED');
      expect(provider.charges).toHaveLength(1);
      expect(ledger.charges.size).toBe(1);
      expect(callback.calls[1]).toMatchObject({
        kind: 'success',
        taskToken: 'charge-2',
        output: { status: 'CHARGED' },
      });
    });

    it('keeps the CHARGE entry that won a race with a concurrent duplicate', async () => {
      // Prepare: another invocation recorded its charge between our read and our write.
      const winner = {
        orderId: ORDER_ID,
        customerId: 'c-1',
        paymentId: 'pay_first',
        amount: 4498,
        currency: 'EUR' as const,
        chargedAt: 'x',
      };
      const racing = { ...deps, ledger: Object.assign(ledger, { getCharge: async () => undefined }) };
      ledger.charges.set(ORDER_ID, winner);

      // Act
      const result = await chargeCard(charge(), racing);

      // Assess
      expect(result.outcome).toBe('ALREADY_CHARGED');
      expect(callback.calls[0]).toMatchObject({ output: { paymentId: 'pay_first' } });
    });

    it.each([
      ['tok_decline', 'DECLINED'],
      ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
      ['tok_unknown', 'DECLINED'],
    ])('%s: publishes PaymentDeclined and answers PaymentDeclined', async (token, reason) => {
      // Act
      const result = await chargeCard(charge(token), deps);

      // Assess
      expect(result.outcome).toBe('DECLINED');
      expect(ledger.charges.size).toBe(0);
      expect(publisher.envelopes('PaymentDeclined')[0]?.data).toEqual({
        customerId: 'c-1',
        reason,
        amount: 4498,
        currency: 'EUR',
      });
      expect(callback.calls).toEqual([
        { kind: 'failure', taskToken: 'charge-1', error: 'PaymentDeclined', cause: reason },
      ]);
    });

    it('tok_flaky: fails twice, is retried in the handler with backoff, then charges', async () => {
      // Act
      const result = await chargeCard(charge('tok_flaky'), deps);

      // Assess
      expect(result).toEqual({ outcome: 'CHARGED', callback: 'DELIVERED', attempts: 3 });
      expect(provider.charges.map((c) => c.attempt)).toEqual([1, 2, 3]);
      expect(sleeps).toEqual([50, 100]);
      expect(ledger.attempts.get(ORDER_ID)).toBe(3);
    });

    it('tok_flaky: answers TransientFailure when attempts run out, and approves on the retried command', async () => {
      // Prepare
      const oneAttempt = { ...deps, maxAttempts: 1 };

      // Act
      const first = await chargeCard(charge('tok_flaky', 't1'), oneAttempt);
      const second = await chargeCard(charge('tok_flaky', 't2'), oneAttempt);
      const third = await chargeCard(charge('tok_flaky', 't3'), oneAttempt);

      // Assess: the count lives in the ledger, so the behaviour is the same across invocations.
      expect([first.outcome, second.outcome, third.outcome]).toEqual([
        'TRANSIENT_FAILURE',
        'TRANSIENT_FAILURE',
        'CHARGED',
      ]);
      expect(callback.calls.map((c) => (c.kind === 'failure' ? c.error : 'success'))).toEqual([
        'TransientFailure',
        'TransientFailure',
        'success',
      ]);
    });

    it('tok_timeout: abandons the processor at the processing limit and answers PaymentTimeout once', async () => {
      // Prepare
      const limited = { ...deps, processingLimit: { seconds: 0.05, error: 'PaymentTimeout' } };

      // Act
      const result = await chargeCard(charge('tok_timeout'), limited);

      // Assess
      expect(result).toEqual({ outcome: 'NO_ANSWER', callback: 'DELIVERED', attempts: 1 });
      expect(callback.calls).toEqual([
        {
          kind: 'failure',
          taskToken: 'charge-1',
          error: 'PaymentTimeout',
          cause: expect.stringContaining('0.05 s'),
        },
      ]);
      expect(provider.charges[0]?.signal?.aborted).toBe(true);
      expect(publisher.published).toHaveLength(0);
      expect(ledger.attempts.get(ORDER_ID)).toBe(1);
      expect(ledger.charges.get(ORDER_ID)).toBeUndefined();
    });

    it('answers success when publishing PaymentCaptured outlasts the processing limit', async () => {
      // Prepare: the charge is recorded at once, the broker takes three limits to acknowledge.
      const limited = { ...deps, processingLimit: { seconds: 0.05, error: 'PaymentTimeout' } };
      publisher.delayMs = 150;

      // Act
      const result = await chargeCard(charge(), limited);

      // Assess: a slow broker never turns a charged card into a refund.
      expect(result).toMatchObject({ outcome: 'CHARGED', callback: 'DELIVERED' });
      expect(callback.calls).toEqual([
        {
          kind: 'success',
          taskToken: 'charge-1',
          output: { status: 'CHARGED', paymentId: expect.any(String) },
        },
      ]);
      expect(publisher.types()).toEqual(['PaymentCaptured']);
    });

    it('answers TransientFailure when the ledger fails', async () => {
      // Prepare
      ledger.failWith = new Error('ThrottlingException');

      // Act
      const result = await chargeCard(charge(), deps);

      // Assess
      expect(result.outcome).toBe('TRANSIENT_FAILURE');
      expect(callback.calls[0]).toMatchObject({ kind: 'failure', error: 'TransientFailure' });
      expect(provider.charges).toHaveLength(0);
    });

    it('rejects when the answer cannot be delivered, so the command is retried', async () => {
      // Prepare
      callback.failWith = new Error('Step Functions unavailable');

      // Act / Assess
      await expect(chargeCard(charge(), deps)).rejects.toThrow('Step Functions unavailable');
    });

    it('charges nothing for an order that was already compensated', async () => {
      // Prepare: the payment step timed out and RefundCharge ran before the command arrived.
      await refundCharge(refund(), deps);

      // Act
      const late = await chargeCard(charge(), deps);

      // Assess
      expect(late.outcome).toBe('VOIDED');
      expect(provider.charges).toHaveLength(0);
      expect(callback.calls[1]).toMatchObject({ kind: 'failure', error: 'PaymentDeclined' });
    });
  });

  describe('chargeCard against a saga that moved on', () => {
    it('sends a heartbeat and charges nothing when the token is stale', async () => {
      // Prepare: the step timed out, or the execution was re-run after a restart.
      callback.staleTokens.add('charge-1');

      // Act
      const result = await chargeCard(charge(), deps);

      // Assess
      expect(result).toEqual({ outcome: 'STALE_TOKEN', callback: 'STALE', attempts: 0 });
      expect(callback.heartbeats).toEqual(['charge-1']);
      expect(provider.charges).toHaveLength(0);
      expect(ledger.charges.size).toBe(0);
      expect(ledger.attempts.size).toBe(0);
      expect(callback.calls).toHaveLength(0);
      expect(publisher.published).toHaveLength(0);
    });

    it('sends the heartbeat before it reads the ledger or calls the processor', async () => {
      // Prepare
      const order: string[] = [];
      const tracking = {
        ...deps,
        callback: Object.assign(callback, {
          heartbeat: async (token: string) => {
            order.push(`heartbeat ${token}`);
            return 'DELIVERED' as const;
          },
        }),
        ledger: Object.assign(ledger, {
          getCharge: async () => {
            order.push('getCharge');
            return undefined;
          },
        }),
      };

      // Act
      await chargeCard(charge(), tracking);

      // Assess
      expect(order.slice(0, 2)).toEqual(['heartbeat charge-1', 'getCharge']);
    });

    it('refunds at once when the VOID marker won the race against the charge', async () => {
      // Prepare: RefundCharge voids the order while the processor is charging it.
      const racing = {
        ...deps,
        provider: Object.assign(provider, {
          charge: async (request: Parameters<typeof provider.charge>[0]) => {
            provider.charges.push(request);
            await refundCharge(refund(), deps);
            return { kind: 'APPROVED' as const, paymentId: 'pay_raced' };
          },
        }),
      };

      // Act
      const result = await chargeCard(charge(), racing);

      // Assess: no money kept, nothing captured, the saga told the order is compensated.
      expect(result).toEqual({ outcome: 'REFUNDED_AFTER_VOID', callback: 'DELIVERED', attempts: 1 });
      expect(ledger.charges.size).toBe(0);
      expect(ledger.voided.has(ORDER_ID)).toBe(true);
      expect(provider.refunds).toBe(1);
      expect(ledger.refunds.get(ORDER_ID)).toMatchObject({ paymentId: 'pay_raced', amount: 4498 });
      expect(publisher.envelopes('PaymentCaptured')).toHaveLength(0);
      expect(callback.calls.at(-1)).toMatchObject({
        kind: 'failure',
        taskToken: 'charge-1',
        error: 'PaymentDeclined',
        cause: expect.stringMatching(/already compensated/),
      });
    });

    it('retries the refund of a voided charge and throws UnrefundedChargeError if it keeps failing', async () => {
      // Prepare
      ledger.voided.add(ORDER_ID);
      const racing = {
        ...deps,
        ledger: Object.assign(ledger, { isVoided: async () => false }),
        provider: Object.assign(provider, {
          refund: async () => {
            provider.refunds += 1;
            return { kind: 'TRANSIENT_FAILURE' as const, message: 'processor down' };
          },
        }),
      };

      // Act / Assess: rejected, so the record is retried and ends on the on-failure queue.
      const attempt = chargeCard(charge(), racing);
      await expect(attempt).rejects.toBeInstanceOf(UnrefundedChargeError);
      await expect(attempt).rejects.toThrow(/could not be refunded: processor down/);
      expect(provider.refunds).toBe(3);
      expect(sleeps).toEqual([50, 100]);
      expect(ledger.refunds.size).toBe(0);
    });

    it('keeps retrying when the refund call itself throws, and succeeds on a later attempt', async () => {
      // Prepare
      ledger.voided.add(ORDER_ID);
      let calls = 0;
      const racing = {
        ...deps,
        ledger: Object.assign(ledger, { isVoided: async () => false }),
        provider: Object.assign(provider, {
          refund: async () => {
            calls += 1;
            if (calls === 1) throw new Error('socket hang up');
            return { kind: 'REFUNDED' as const, refundId: 're_2' };
          },
        }),
      };

      // Act
      const result = await chargeCard(charge(), racing);

      // Assess
      expect(result.outcome).toBe('REFUNDED_AFTER_VOID');
      expect(ledger.refunds.get(ORDER_ID)).toMatchObject({ refundId: 're_2' });
    });

    it('does not answer success for an order whose charge was already refunded', async () => {
      // Prepare: an earlier run of the saga charged and compensated the order.
      await chargeCard(charge('tok_approve', 'first'), deps);
      await refundCharge(refund(), deps);

      // Act
      const rerun = await chargeCard(charge('tok_approve', 'rerun'), deps);

      // Assess
      expect(rerun.outcome).toBe('VOIDED');
      expect(provider.charges).toHaveLength(1);
      expect(callback.calls.at(-1)).toMatchObject({
        kind: 'failure',
        taskToken: 'rerun',
        error: 'PaymentDeclined',
      });
    });
  });

  describe('refundCharge', () => {
    it('refunds a charge recorded between its read and the void marker', async () => {
      // Prepare: the charge lands right after RefundCharge read "not charged".
      const slipping = {
        ...deps,
        ledger: Object.assign(ledger, {
          getCharge: (() => {
            let reads = 0;
            return async (orderId: string) => {
              reads += 1;
              if (reads === 1) {
                ledger.charges.set(orderId, {
                  orderId,
                  customerId: 'c-1',
                  paymentId: 'pay_late',
                  amount: 4498,
                  currency: 'EUR',
                  chargedAt: 'x',
                });
                return undefined;
              }
              return ledger.charges.get(orderId);
            };
          })(),
        }),
      };

      // Act
      const result = await refundCharge(refund(), slipping);

      // Assess
      expect(result.outcome).toBe('REFUNDED');
      expect(ledger.voided.has(ORDER_ID)).toBe(false);
      expect(ledger.refunds.get(ORDER_ID)).toMatchObject({ paymentId: 'pay_late' });
    });

    it('answers TransientFailure if the charge that blocked the void cannot be read back', async () => {
      // Prepare: the ledger says CHARGED on void but no charge is readable.
      const broken = {
        ...deps,
        ledger: Object.assign(ledger, { recordVoid: async () => 'CHARGED' as const }),
      };

      // Act
      const result = await refundCharge(refund(), broken);

      // Assess
      expect(result.outcome).toBe('TRANSIENT_FAILURE');
      expect(callback.calls[0]).toMatchObject({ kind: 'failure', error: 'TransientFailure' });
    });

    it('sends a heartbeat and still refunds when the token is stale', async () => {
      // Prepare
      await chargeCard(charge(), deps);
      callback.staleTokens.add('refund-1');

      // Act
      const result = await refundCharge(refund(), deps);

      // Assess
      expect(result.outcome).toBe('REFUNDED');
      expect(callback.heartbeats).toEqual(['charge-1', 'refund-1']);
      expect(provider.refunds).toBe(1);
    });

    it('refunds a charged order once and publishes PaymentRefunded', async () => {
      // Prepare
      await chargeCard(charge(), deps);
      const { paymentId } = ledger.charges.get(ORDER_ID)!;

      // Act
      const first = await refundCharge(refund('r1'), deps);
      const second = await refundCharge(refund('r2'), deps);

      // Assess
      expect(first.outcome).toBe('REFUNDED');
      expect(second.outcome).toBe('ALREADY_REFUNDED');
      expect(provider.refunds).toBe(1);
      expect(ledger.refunds.size).toBe(1);
      expect(publisher.envelopes('PaymentRefunded')[0]?.data).toEqual({
        customerId: 'c-1',
        paymentId,
        amount: 4498,
        currency: 'EUR',
      });
      expect(callback.calls.slice(1).map((c) => c.kind)).toEqual(['success', 'success']);
    });

    it('is a no-op success for an order that was never charged', async () => {
      // Act
      const result = await refundCharge(refund(), deps);

      // Assess
      expect(result).toEqual({ outcome: 'NOT_CHARGED', callback: 'DELIVERED' });
      expect(provider.refunds).toBe(0);
      expect(ledger.refunds.size).toBe(0);
      expect(publisher.published).toHaveLength(0);
      expect(callback.calls).toEqual([
        { kind: 'success', taskToken: 'refund-1', output: { status: 'NOT_CHARGED' } },
      ]);
    });

    it('answers TransientFailure when the processor fails to refund', async () => {
      // Prepare
      await chargeCard(charge(), deps);
      provider.refund = async () => ({ kind: 'TRANSIENT_FAILURE', message: 'processor down' });

      // Act
      const result = await refundCharge(refund(), deps);

      // Assess
      expect(result.outcome).toBe('TRANSIENT_FAILURE');
      expect(callback.calls[1]).toEqual({
        kind: 'failure',
        taskToken: 'refund-1',
        error: 'TransientFailure',
        cause: 'processor down',
      });
    });

    it('answers TransientFailure when the ledger fails', async () => {
      // Prepare
      ledger.failWith = new Error('InternalServerError');

      // Act
      const result = await refundCharge(refund(), deps);

      // Assess
      expect(result.outcome).toBe('TRANSIENT_FAILURE');
    });

    it('rejects when publishing fails, so the command is retried', async () => {
      // Prepare
      await chargeCard(charge(), deps);
      publisher.failWith = new Error('broker down');

      // Act / Assess
      await expect(refundCharge(refund(), deps)).rejects.toThrow('broker down');
    });
  });
});
