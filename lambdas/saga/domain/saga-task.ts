/**
 * The event Step Functions gives the saga command publisher for every task
 * (lib/constructs/order-saga.ts): { step, order: <execution input>, taskToken?, failure? }.
 * Parsing is lenient about extra fields (the state may carry `error` from a Catch) and strict about
 * what each step needs.
 */
import {
  currencySchema,
  failureReasonSchema,
  orderLineSchema,
  shippingAddressSchema,
} from '../../shared/events/payloads';
import * as z from '../../shared/events/zod';

export const SAGA_STEPS = [
  // The state machine publishes OrderPlaced within reserveInventory. "Running executions will
  // continue to use the previous definition" (UpdateStateMachine, Step Functions API reference,
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html), so
  // one started before that change still calls placeOrder; the step stays until no such execution
  // can run (the execution timeout after the deploy).
  'placeOrder',
  'reserveInventory',
  'processPayment',
  'confirmOrder',
  'refundCharge',
  'releaseStock',
  'failOrder',
  'flagNeedsAttention',
] as const;
export type SagaStep = (typeof SAGA_STEPS)[number];

/** Steps that wait for a callback (`.waitForTaskToken`) and so must carry a task token. */
export const CALLBACK_STEPS: ReadonlySet<SagaStep> = new Set([
  'reserveInventory',
  'processPayment',
  'refundCharge',
  'releaseStock',
]);

/** A Catch's error output (ResultPath $.error). */
const caughtErrorSchema = z.looseObject({ Error: z.optional(z.string()), Cause: z.optional(z.string()) });

export const sagaOrderSchema = z.looseObject({
  orderId: z.string().check(z.minLength(1), z.maxLength(128)),
  customerId: z.string().check(z.minLength(1)),
  items: z.array(orderLineSchema).check(z.minLength(1), z.maxLength(50)),
  total: z.number().check(z.int(), z.nonnegative()),
  currency: currencySchema,
  email: z.email(),
  shippingAddress: shippingAddressSchema,
  paymentToken: z.string().check(z.minLength(1)),
  correlationId: z.string().check(z.minLength(1), z.maxLength(128)),
  placedAt: z.string().check(z.minLength(1)),
  error: z.optional(caughtErrorSchema),
  /** Answers of earlier callback steps (ResultPath $.results.<step>). */
  results: z.optional(z.record(z.string(), z.unknown())),
});
export type SagaOrder = z.infer<typeof sagaOrderSchema>;

export const failedCompensationSchema = z.enum(['RefundCharge', 'ReleaseStock']);

export const sagaTaskEventSchema = z.looseObject({
  step: z.enum(SAGA_STEPS),
  order: sagaOrderSchema,
  taskToken: z.optional(z.string().check(z.minLength(1), z.maxLength(8192))),
  failure: z.optional(
    z.looseObject({
      // Lenient here: an unknown reason becomes INTERNAL_ERROR rather than losing the OrderFailed event.
      reason: z.optional(z.string()),
      /** Which compensation gave up (flagNeedsAttention). */
      failedCompensation: z.optional(failedCompensationSchema),
    }),
  ),
  /** A Catch's error output, when the state machine passes it beside the order. */
  error: z.optional(caughtErrorSchema),
});
export type SagaTaskEvent = z.infer<typeof sagaTaskEventSchema>;

export type FailureReasonValue = z.infer<typeof failureReasonSchema>;

/** The event is not a saga task the publisher understands; retrying it cannot help. */
export class InvalidSagaTaskError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'InvalidSagaTaskError';
  }
}

export function parseSagaTaskEvent(event: unknown): SagaTaskEvent {
  const parsed = sagaTaskEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidSagaTaskError(`Invalid saga task event: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  if (CALLBACK_STEPS.has(parsed.data.step) && parsed.data.taskToken === undefined) {
    throw new InvalidSagaTaskError(`Saga step ${parsed.data.step} needs a taskToken`);
  }
  return parsed.data;
}

export function failureReasonOf(event: SagaTaskEvent): FailureReasonValue {
  const parsed = failureReasonSchema.safeParse(event.failure?.reason);
  return parsed.success ? parsed.data : 'INTERNAL_ERROR';
}
