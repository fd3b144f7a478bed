/**
 * Names the checkout function shares with the CDK app: the environment variables the app sets on
 * it and the metrics it emits (namespace OrderPipeline, dimension `service` = checkout), which the
 * dashboard reads. Pure constants, so lib/ can import them without pulling in the handler.
 */

/** Admission control settings, from the stage's `admission` config. */
export const ADMISSION_ENV = {
  maxCommandBacklog: 'ADMISSION_MAX_COMMAND_BACKLOG',
  retryAfterSeconds: 'ADMISSION_RETRY_AFTER_SECONDS',
} as const;

export const CHECKOUT_METRICS = {
  ordersPlaced: 'OrdersPlaced',
  ordersReplayed: 'OrdersReplayed',
  /** POST /orders answered 503 because the pipeline was at capacity. */
  ordersRefused: 'OrdersRefused',
  /** Backlog readings that failed, after which orders were admitted without one. */
  backlogReadFailures: 'AdmissionBacklogReadFailures',
} as const;
