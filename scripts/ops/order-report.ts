/**
 * What `npm run order` shows about one order, and how: the read model's item, the saga execution
 * summarised state by state from its Step Functions history, and the order's records per topic.
 * Pure data and text: the look-up (order-lookup.ts) fills it, the CLI prints it.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { formatMoney } from '../../lambdas/notification/domain/email-templates';

export interface OrderReport {
  readonly orderId: string;
  /** Where it was looked up: "the local mode", "stage prod (eu-central-1)". */
  readonly target: string;
  /** The read model's item; `undefined` when the orders table has none. */
  readonly order: OrderSummary | undefined;
  readonly saga: SagaReport;
  readonly records: RecordsReport;
}

export interface OrderSummary {
  readonly status: string;
  /** Why the order failed or needs attention, from its history. */
  readonly failureReason?: string;
  readonly total?: number;
  readonly currency?: string;
  readonly items?: readonly {
    readonly sku: string;
    readonly quantity: number;
    readonly unitPrice?: number;
  }[];
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly history: readonly {
    readonly status: string;
    readonly at: string;
    readonly reason?: string;
    readonly eventId?: string;
  }[];
}

export type SagaReport =
  | { readonly found: false; readonly executionArn: string }
  | ({ readonly found: true } & SagaSummary);

export interface SagaSummary {
  readonly executionArn: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  readonly error?: string;
  readonly cause?: string;
  /** Every state the execution entered, in the order it entered them. */
  readonly states: readonly StateVisit[];
  /** How many history events the summary was built from. */
  readonly historyEvents: number;
}

export interface StateVisit {
  readonly name: string;
  /** The state's type as the history names it: Task, Pass, Choice, Succeed, Fail, ... */
  readonly type: string;
  readonly enteredAt: string;
  readonly exitedAt?: string;
  readonly durationMs?: number;
  /** Attempts of a Task (one TaskScheduled each); 0 for other states. */
  readonly attempts: number;
  readonly failures: readonly TaskFailure[];
  readonly outcome: StateOutcome;
}

/**
 * `succeeded`: exited after its last attempt worked; `caught`: exited after its last attempt
 * failed, so a Catch moved on (to a compensation); `failed`: the execution ended inside it;
 * `ended`: a terminal state (Succeed, Fail); `running`: still in it.
 */
export type StateOutcome = 'succeeded' | 'caught' | 'failed' | 'ended' | 'running';

export interface TaskFailure {
  readonly at: string;
  /** TaskFailed, TaskTimedOut, LambdaFunctionFailed, ... */
  readonly type: string;
  readonly error?: string;
  readonly cause?: string;
  /** Another attempt of the same task followed (a Retry). */
  readonly retried: boolean;
}

export type RecordsReport =
  | {
      readonly available: true;
      /** Each partition was read from the first record at or after this time. */
      readonly from: string;
      readonly topics: readonly TopicRecords[];
    }
  | { readonly available: false; readonly reason: string };

export interface TopicRecords {
  readonly topic: string;
  /** The partition the order's key maps to. */
  readonly partition: number;
  readonly fromOffset: string;
  /** The partition's end (high watermark) when the read began. */
  readonly endOffset: string;
  /** Records of any order read on the way. */
  readonly scanned: number;
  readonly records: readonly OrderRecord[];
  /** Set when the read stopped before `endOffset`: why, and where. */
  readonly stoppedEarly?: string;
}

export interface OrderRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly eventType: string;
  readonly eventId: string;
}

const TERMINAL_STATE_TYPES = new Set(['Succeed', 'Fail']);
const ATTEMPT_EVENTS = new Set(['TaskScheduled', 'LambdaFunctionScheduled', 'ActivityScheduled']);
const FAILURE_EVENTS = new Set([
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
]);

interface OpenVisit {
  name: string;
  type: string;
  enteredAt: Date;
  exitedAt?: Date;
  attempts: number;
  failures: { at: Date; type: string; error?: string; cause?: string; attempt: number }[];
}

/** The execution as DescribeExecution reports it. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly status: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * One visit per state entered, from the history events in their order. Attempts and failures go to
 * the state entered last and not yet exited: the saga is a sequence, no Parallel or Map.
 */
export function summariseExecution(
  execution: ExecutionDescription,
  events: readonly HistoryEvent[],
): SagaSummary {
  const visits: OpenVisit[] = [];
  const current = (): OpenVisit | undefined => visits.findLast((visit) => visit.exitedAt === undefined);
  for (const event of events) {
    const type = event.type ?? '';
    const at = event.timestamp ?? new Date(0);
    if (type.endsWith('StateEntered')) {
      visits.push({
        name: event.stateEnteredEventDetails?.name ?? '?',
        type: type.slice(0, -'StateEntered'.length),
        enteredAt: at,
        attempts: 0,
        failures: [],
      });
    } else if (type.endsWith('StateExited')) {
      const name = event.stateExitedEventDetails?.name;
      const visit = visits.findLast((open) => open.name === name && open.exitedAt === undefined);
      if (visit) visit.exitedAt = at;
    } else if (ATTEMPT_EVENTS.has(type)) {
      const visit = current();
      if (visit) visit.attempts += 1;
    } else if (FAILURE_EVENTS.has(type)) {
      const visit = current();
      if (visit) visit.failures.push({ at, type, ...failureDetailsOf(event), attempt: visit.attempts });
    }
  }
  const running = execution.status === 'RUNNING';
  return {
    executionArn: execution.executionArn,
    status: execution.status,
    ...(execution.startDate ? { startDate: execution.startDate.toISOString() } : {}),
    ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: execution.cause } : {}),
    states: visits.map((visit) => visitOf(visit, running)),
    historyEvents: events.length,
  };
}

function visitOf(visit: OpenVisit, running: boolean): StateVisit {
  const failures = visit.failures.map(({ attempt, at, ...failure }) => ({
    at: at.toISOString(),
    ...failure,
    retried: attempt < visit.attempts,
  }));
  const lastAttemptFailed = visit.failures.at(-1)?.attempt === visit.attempts && visit.failures.length > 0;
  const outcome: StateOutcome = TERMINAL_STATE_TYPES.has(visit.type)
    ? 'ended'
    : visit.exitedAt === undefined
      ? running
        ? 'running'
        : 'failed'
      : lastAttemptFailed
        ? 'caught'
        : 'succeeded';
  return {
    name: visit.name,
    type: visit.type,
    enteredAt: visit.enteredAt.toISOString(),
    ...(visit.exitedAt
      ? {
          exitedAt: visit.exitedAt.toISOString(),
          durationMs: visit.exitedAt.getTime() - visit.enteredAt.getTime(),
        }
      : {}),
    attempts: visit.attempts,
    failures,
    outcome,
  };
}

function failureDetailsOf(event: HistoryEvent): { error?: string; cause?: string } {
  const details =
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.activityFailedEventDetails ??
    event.activityTimedOutEventDetails ??
    event.activityScheduleFailedEventDetails;
  return {
    ...(details?.error ? { error: details.error } : {}),
    ...(details?.cause ? { cause: details.cause } : {}),
  };
}

/** Longest cause shown on a text line; --json has it whole. */
const CAUSE_CHARS = 160;

/** The report as the terminal shows it. */
export function formatOrderReport(report: OrderReport): string {
  return [
    `Order ${report.orderId} in ${report.target}`,
    '',
    ...orderLines(report.order),
    '',
    ...sagaLines(report.saga),
    '',
    ...recordLines(report.records),
  ].join('\n');
}

function orderLines(order: OrderSummary | undefined): string[] {
  if (order === undefined) {
    return ['Status: no item in the orders table (the read model has not seen the order)'];
  }
  const lines = [`Status: ${order.status}${order.failureReason ? ` (${order.failureReason})` : ''}`];
  if (order.total !== undefined && order.currency !== undefined) {
    lines.push(`Total: ${formatMoney(order.total, order.currency)}`);
  }
  for (const item of order.items ?? []) {
    const price =
      item.unitPrice !== undefined && order.currency !== undefined
        ? ` at ${formatMoney(item.unitPrice, order.currency)}`
        : '';
    lines.push(`  ${item.quantity} x ${item.sku}${price}`);
  }
  if (order.createdAt) lines.push(`Created: ${order.createdAt}`);
  if (order.updatedAt) lines.push(`Updated: ${order.updatedAt}`);
  lines.push('History:');
  for (const entry of order.history) {
    lines.push(`  ${entry.at}  ${entry.status}${entry.reason ? ` (${entry.reason})` : ''}`);
  }
  return lines;
}

function sagaLines(saga: SagaReport): string[] {
  if (!saga.found) {
    return [
      'Saga: no execution for this order (checkout refused it, or its StartExecution never went through)',
    ];
  }
  const span =
    saga.startDate && saga.stopDate
      ? `, ${duration(Date.parse(saga.stopDate) - Date.parse(saga.startDate))}`
      : '';
  const lines = [
    `Saga: ${saga.status}, started ${saga.startDate ?? '?'}${saga.stopDate ? `, stopped ${saga.stopDate}` : ''}${span}`,
  ];
  if (saga.error || saga.cause) lines.push(`  ${failureText(saga.error, saga.cause)}`);
  const nameWidth = Math.max(0, ...saga.states.map((state) => state.name.length));
  for (const state of saga.states) {
    const took = state.durationMs === undefined ? '' : duration(state.durationMs);
    const attempts = state.attempts > 1 ? `, ${state.attempts} attempts` : '';
    lines.push(
      `  ${state.enteredAt}  ${state.name.padEnd(nameWidth)}  ${state.type.padEnd(8)} ${took.padStart(9)}  ${state.outcome}${attempts}`,
    );
    for (const failure of state.failures) {
      const then = failure.retried ? 'retried' : state.outcome === 'caught' ? 'caught' : 'not retried';
      lines.push(
        `      ${failure.at}  ${failure.type} ${failureText(failure.error, failure.cause)} (${then})`,
      );
    }
  }
  return lines;
}

function recordLines(records: RecordsReport): string[] {
  if (!records.available) return [`Records: not read: ${records.reason}`];
  const lines = [`Records (each topic's partition for this order, from ${records.from}):`];
  for (const topic of records.topics) {
    const read = `from offset ${topic.fromOffset} to the end at ${topic.endOffset}, ${topic.scanned} record(s) read`;
    lines.push(`  ${topic.topic} [partition ${topic.partition}] ${read}`);
    if (topic.stoppedEarly) lines.push(`    stopped early: ${topic.stoppedEarly}`);
    if (topic.records.length === 0) lines.push('    none for this order');
    const typeWidth = Math.max(0, ...topic.records.map((record) => record.eventType.length));
    for (const record of topic.records) {
      lines.push(
        `    ${record.offset.padStart(8)}  ${record.timestamp}  ${record.eventType.padEnd(typeWidth)}  ${record.eventId}`,
      );
    }
  }
  return lines;
}

function failureText(error: string | undefined, cause: string | undefined): string {
  const shortCause =
    cause && cause.length > CAUSE_CHARS ? `${cause.slice(0, CAUSE_CHARS - 3)}...` : (cause ?? '');
  return [error, shortCause].filter(Boolean).join(': ');
}

/** `42 ms`, `1.25 s`, `3 min 4 s`. */
export function duration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1_000)} s`;
}
