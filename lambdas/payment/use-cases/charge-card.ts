/**
 * chargeCard: the payment side of the saga's ProcessPayment step.
 *
 * Exactly once: a CHARGE entry in the ledger (conditional put) and the order id as the processor's
 * idempotency key. A repeated command for a charged order answers success again without charging.
 *
 * Transient processor failures are retried here first, a few times with a short backoff (cheap,
 * no extra Kafka round trip, well inside the 10 s processing limit); if they persist the step is
 * answered TransientFailure and the state machine's Retry takes over. Either way the partition
 * keeps moving: the handler never waits longer than the short backoff.
 *
 * A processor that does not answer within the processing limit (counted from pick-up) is abandoned
 * and the step answered PaymentTimeout: the saga voids the order and releases its stock. Once the
 * ledger says how the card stands, the limit stops: a slow publish never refunds a charged card.
 *
 * No money for a saga that moved on: the command is picked up with a heartbeat, and a stale token
 * (the step timed out, or the execution was re-run after a restart) charges nothing. A charge that
 * loses the race against the compensation's VOID marker is refunded at once.
 */

import { processingLimitOf } from '../../../lib/config/saga-timing';
import {
  type LimitedWork,
  type ProcessingLimit,
  withinProcessingLimit,
} from '../../saga/domain/processing-limit';
import { type CallbackOutcome, type SagaCallback, TASK_ERRORS } from '../../saga/ports/saga-callback';
import { createEvent } from '../../shared/events/codec';
import type { Currency } from '../../shared/events/payloads';
import type { EventPublisher, PublishContext } from '../../shared/ports/event-publisher';
import type { PaymentLedger } from '../ports/payment-ledger';
import type { PaymentProvider } from '../ports/payment-provider';

export interface PaymentDependencies {
  readonly ledger: PaymentLedger;
  readonly provider: PaymentProvider;
  readonly callback: SagaCallback;
  readonly publisher: EventPublisher;
  readonly publishContext?: PublishContext;
  readonly now?: () => Date;
  /** Waits between in-handler attempts. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Processor calls per command before answering TransientFailure. @default 3 */
  readonly maxAttempts?: number;
  /** Backoff before attempt n+1 is `backoffMs * 2^(n-1)`. @default 50 */
  readonly backoffMs?: number;
  /** @default 10 s from pick-up, answered PaymentTimeout (lib/config/saga-timing.ts) */
  readonly processingLimit?: ProcessingLimit;
}

export interface ChargeCardCommand {
  readonly orderId: string;
  readonly correlationId: string;
  readonly taskToken: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly paymentToken: string;
}

export type ChargeCardResult = {
  readonly outcome:
    | 'CHARGED'
    | 'ALREADY_CHARGED'
    | 'DECLINED'
    /** The order was compensated before it was charged: nothing charged. */
    | 'VOIDED'
    /** The processor charged, but the compensation voided the order meanwhile: refunded at once. */
    | 'REFUNDED_AFTER_VOID'
    /** The saga no longer waits on the token: the command was not acted on. */
    | 'STALE_TOKEN'
    /** The processor did not answer within the processing limit: answered PaymentTimeout. */
    | 'NO_ANSWER'
    | 'TRANSIENT_FAILURE';
  readonly callback: CallbackOutcome;
  readonly attempts: number;
};

/** A ledger or processor call failed for infrastructure reasons; answered as TransientFailure. */
export class PaymentInfrastructureError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PaymentInfrastructureError';
  }
}

/**
 * The processor took the money but the order was compensated meanwhile, and refunding it failed
 * on every attempt. Thrown (not answered) so the record is retried and lands on the on-failure
 * queue with the payment id if it keeps failing: somebody must refund it.
 */
export class UnrefundedChargeError extends Error {
  public constructor(
    message: string,
    public readonly paymentId: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UnrefundedChargeError';
  }
}

export async function chargeCard(
  command: ChargeCardCommand,
  deps: PaymentDependencies,
): Promise<ChargeCardResult> {
  const limit = deps.processingLimit ?? processingLimitOf('processPayment');
  return withinProcessingLimit(deps.callback, command.taskToken, limit, async (work) => {
    const { callback } = work;
    const limited = { ...deps, callback };
    try {
      return await charge(command, limited, work);
    } catch (error) {
      if (!(error instanceof PaymentInfrastructureError)) throw error;
      const answered = await callback.fail(command.taskToken, TASK_ERRORS.transientFailure, error.message);
      return { outcome: 'TRANSIENT_FAILURE', callback: answered, attempts: 0 };
    }
  });
}

async function charge(
  command: ChargeCardCommand,
  deps: PaymentDependencies,
  { signal, decided }: Pick<LimitedWork, 'signal' | 'decided'>,
): Promise<ChargeCardResult> {
  const { orderId, taskToken } = command;
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const sleep = deps.sleep ?? defaultSleep;
  const maxAttempts = deps.maxAttempts ?? 3;
  const backoffMs = deps.backoffMs ?? 50;

  // Picked up: restarts the step's heartbeat window and tells whether anyone still waits.
  if ((await deps.callback.heartbeat(taskToken)) === 'STALE') {
    return { outcome: 'STALE_TOKEN', callback: 'STALE', attempts: 0 };
  }

  const existing = await infra('read the charge', () => deps.ledger.getCharge(orderId));
  if (existing !== undefined) {
    const refunded = (await infra('read the refund', () => deps.ledger.getRefund(orderId))) !== undefined;
    decided();
    if (refunded) {
      // Charged and refunded by an earlier run of the saga: answering success would confirm an
      // order whose money was given back.
      const callback = await deps.callback.fail(
        taskToken,
        TASK_ERRORS.paymentDeclined,
        `Order ${orderId} was already compensated (its charge was refunded); it is not charged again`,
      );
      return { outcome: 'VOIDED', callback, attempts: 0 };
    }
    // Published again: the first attempt may have failed between the ledger write and the publish.
    await publishCaptured(command, existing.paymentId, existing.amount, deps);
    const callback = await deps.callback.succeed(taskToken, {
      status: 'CHARGED',
      paymentId: existing.paymentId,
    });
    return { outcome: 'ALREADY_CHARGED', callback, attempts: 0 };
  }
  if (await infra('read the void marker', () => deps.ledger.isVoided(orderId))) {
    // The saga already compensated this order; charging now would take money nobody refunds.
    decided();
    return answerVoided(command, deps, 0);
  }

  for (let attempt = 1; ; attempt += 1) {
    const attemptNumber = await infra('count the attempt', () => deps.ledger.recordAttempt(orderId, now()));
    const outcome = await infra('call the processor', () =>
      deps.provider.charge({
        orderId,
        amount: command.amount,
        currency: command.currency,
        paymentToken: command.paymentToken,
        attempt: attemptNumber,
        signal,
      }),
    );
    switch (outcome.kind) {
      case 'APPROVED': {
        const entry = {
          orderId,
          customerId: command.customerId,
          paymentId: outcome.paymentId,
          amount: command.amount,
          currency: command.currency,
          chargedAt: now(),
        };
        const recorded = await infra('record the charge', () => deps.ledger.recordCharge(entry));
        decided();
        if ('voided' in recorded) {
          // The compensation voided the order while the processor charged it: give the money back.
          await refundVoidedCharge(command, outcome.paymentId, deps);
          const answered = await answerVoided(command, deps, attempt);
          return { ...answered, outcome: 'REFUNDED_AFTER_VOID' };
        }
        const charged = recorded.recorded ? entry : recorded.existing;
        await publishCaptured(command, charged.paymentId, charged.amount, deps);
        const callback = await deps.callback.succeed(taskToken, {
          status: 'CHARGED',
          paymentId: charged.paymentId,
        });
        return { outcome: recorded.recorded ? 'CHARGED' : 'ALREADY_CHARGED', callback, attempts: attempt };
      }
      case 'DECLINED': {
        decided();
        await deps.publisher.publish(
          [
            createEvent('PaymentDeclined', {
              orderId,
              correlationId: command.correlationId,
              data: {
                customerId: command.customerId,
                reason: outcome.reason,
                amount: command.amount,
                currency: command.currency,
              },
            }),
          ],
          deps.publishContext,
        );
        const callback = await deps.callback.fail(taskToken, TASK_ERRORS.paymentDeclined, outcome.reason);
        return { outcome: 'DECLINED', callback, attempts: attempt };
      }
      case 'NO_ANSWER': {
        // Recorded as an attempt; the processor may still have charged, which the compensation's
        // VOID and refund take care of.
        const callback = await deps.callback.fail(
          taskToken,
          TASK_ERRORS.paymentTimeout,
          `The card processor did not answer for order ${orderId}`,
        );
        return { outcome: 'NO_ANSWER', callback, attempts: attempt };
      }
      case 'TRANSIENT_FAILURE':
        if (attempt >= maxAttempts) {
          const callback = await deps.callback.fail(
            taskToken,
            TASK_ERRORS.transientFailure,
            `The card processor failed ${attempt} times: ${outcome.message}`,
          );
          return { outcome: 'TRANSIENT_FAILURE', callback, attempts: attempt };
        }
        await sleep(backoffMs * 2 ** (attempt - 1));
    }
  }
}

async function answerVoided(
  command: ChargeCardCommand,
  deps: PaymentDependencies,
  attempts: number,
): Promise<ChargeCardResult> {
  const callback = await deps.callback.fail(
    command.taskToken,
    TASK_ERRORS.paymentDeclined,
    `Order ${command.orderId} was already compensated; it is not charged`,
  );
  return { outcome: 'VOIDED', callback, attempts };
}

/**
 * Refunds a processor charge that never made it into the books (the order was voided first) and
 * records the REFUND entry. Retried here with backoff; if it keeps failing, UnrefundedChargeError.
 */
async function refundVoidedCharge(
  command: ChargeCardCommand,
  paymentId: string,
  deps: PaymentDependencies,
): Promise<void> {
  const { orderId, amount, currency } = command;
  const sleep = deps.sleep ?? defaultSleep;
  const maxAttempts = deps.maxAttempts ?? 3;
  const backoffMs = deps.backoffMs ?? 50;
  let lastProblem: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    try {
      const outcome = await deps.provider.refund({ orderId, paymentId, amount, currency });
      if (outcome.kind === 'REFUNDED') {
        await deps.ledger.recordRefund({
          orderId,
          customerId: command.customerId,
          paymentId,
          refundId: outcome.refundId,
          amount,
          currency,
          refundedAt: (deps.now?.() ?? new Date()).toISOString(),
        });
        return;
      }
      lastProblem = outcome.message;
    } catch (error) {
      lastProblem = error;
    }
    if (attempt < maxAttempts) await sleep(backoffMs * 2 ** (attempt - 1));
  }
  const detail = lastProblem instanceof Error ? lastProblem.message : String(lastProblem);
  throw new UnrefundedChargeError(
    `Payment ${paymentId} of compensated order ${orderId} could not be refunded: ${detail}`,
    paymentId,
    { cause: lastProblem },
  );
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

async function publishCaptured(
  command: ChargeCardCommand,
  paymentId: string,
  amount: number,
  deps: PaymentDependencies,
): Promise<void> {
  await deps.publisher.publish(
    [
      createEvent('PaymentCaptured', {
        orderId: command.orderId,
        correlationId: command.correlationId,
        data: { customerId: command.customerId, paymentId, amount, currency: command.currency },
      }),
    ],
    deps.publishContext,
  );
}

/** Runs a ledger or processor call; its failure becomes a PaymentInfrastructureError (TransientFailure). */
export async function infra<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new PaymentInfrastructureError(`Could not ${what}: ${detail}`, { cause: error });
  }
}
