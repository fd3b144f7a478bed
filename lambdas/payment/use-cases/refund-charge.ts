/**
 * refundCharge: the compensation of a charge. Refunds once (REFUND entry, conditional put);
 * an order that was never charged is a no-op success that leaves a VOID marker, so a ChargeCard
 * arriving after the compensation charges nothing. VOID and CHARGE exclude each other in the
 * ledger: when a charge slips in before the marker, it is refunded instead.
 */

import { type CallbackOutcome, TASK_ERRORS } from '../../saga/ports/saga-callback';
import { createEvent } from '../../shared/events/codec';
import type { Currency } from '../../shared/events/payloads';
import type { ChargeEntry } from '../domain/ledger';
import { infra, type PaymentDependencies, PaymentInfrastructureError } from './charge-card';

export interface RefundChargeCommand {
  readonly orderId: string;
  readonly correlationId: string;
  readonly taskToken: string;
  readonly customerId: string;
  readonly currency: Currency;
}

export type RefundChargeResult = {
  readonly outcome: 'REFUNDED' | 'ALREADY_REFUNDED' | 'NOT_CHARGED' | 'TRANSIENT_FAILURE';
  readonly callback: CallbackOutcome;
};

export async function refundCharge(
  command: RefundChargeCommand,
  deps: PaymentDependencies,
): Promise<RefundChargeResult> {
  try {
    return await refund(command, deps);
  } catch (error) {
    if (!(error instanceof PaymentInfrastructureError)) throw error;
    const callback = await deps.callback.fail(command.taskToken, TASK_ERRORS.transientFailure, error.message);
    return { outcome: 'TRANSIENT_FAILURE', callback };
  }
}

async function refund(command: RefundChargeCommand, deps: PaymentDependencies): Promise<RefundChargeResult> {
  const { orderId, taskToken } = command;
  const now = () => (deps.now?.() ?? new Date()).toISOString();

  // Restarts the step's heartbeat window. A stale token is no reason to skip a compensation: it
  // is idempotent, and the retried RefundCharge behind this one then finds the work done.
  await deps.callback.heartbeat(taskToken);

  const charge = await chargeOrVoid(orderId, now(), deps);
  if (charge === undefined) {
    const callback = await deps.callback.succeed(taskToken, { status: 'NOT_CHARGED' });
    return { outcome: 'NOT_CHARGED', callback };
  }
  const earlier = await infra('read the refund', () => deps.ledger.getRefund(orderId));
  if (earlier !== undefined) {
    await publishRefunded(command, charge, deps);
    const callback = await deps.callback.succeed(taskToken, {
      status: 'REFUNDED',
      refundId: earlier.refundId,
    });
    return { outcome: 'ALREADY_REFUNDED', callback };
  }
  const outcome = await infra('call the processor', () =>
    deps.provider.refund({
      orderId,
      paymentId: charge.paymentId,
      amount: charge.amount,
      currency: charge.currency,
    }),
  );
  if (outcome.kind === 'TRANSIENT_FAILURE') {
    const callback = await deps.callback.fail(taskToken, TASK_ERRORS.transientFailure, outcome.message);
    return { outcome: 'TRANSIENT_FAILURE', callback };
  }
  const recorded = await infra('record the refund', () =>
    deps.ledger.recordRefund({
      orderId,
      customerId: charge.customerId,
      paymentId: charge.paymentId,
      refundId: outcome.refundId,
      amount: charge.amount,
      currency: charge.currency,
      refundedAt: now(),
    }),
  );
  await publishRefunded(command, charge, deps);
  const refundId = recorded.recorded ? outcome.refundId : recorded.existing.refundId;
  const callback = await deps.callback.succeed(taskToken, { status: 'REFUNDED', refundId });
  return { outcome: recorded.recorded ? 'REFUNDED' : 'ALREADY_REFUNDED', callback };
}

/** The order's charge; or, when it has none, undefined once the VOID marker is in place. */
async function chargeOrVoid(
  orderId: string,
  at: string,
  deps: PaymentDependencies,
): Promise<ChargeEntry | undefined> {
  const charge = await infra('read the charge', () => deps.ledger.getCharge(orderId));
  if (charge !== undefined) return charge;
  const voided = await infra('record the void marker', () => deps.ledger.recordVoid(orderId, at));
  if (voided === 'VOIDED') return undefined;
  // A charge was recorded between the read and the void: it is refunded instead.
  const late = await infra('read the charge', () => deps.ledger.getCharge(orderId));
  if (late === undefined) {
    throw new PaymentInfrastructureError(`The charge of order ${orderId} vanished while voiding it`);
  }
  return late;
}

async function publishRefunded(command: RefundChargeCommand, charge: ChargeEntry, deps: PaymentDependencies) {
  await deps.publisher.publish(
    [
      createEvent('PaymentRefunded', {
        orderId: command.orderId,
        correlationId: command.correlationId,
        data: {
          customerId: charge.customerId,
          paymentId: charge.paymentId,
          amount: charge.amount,
          currency: charge.currency,
        },
      }),
    ],
    deps.publishContext,
  );
}
