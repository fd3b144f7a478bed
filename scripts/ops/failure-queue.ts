/**
 * `npm run dlq`: a consumer's failure queue, listed, shown and redriven. The same SDK calls serve
 * the local mode and a deployed stage; the target says where they go.
 *
 * A redrive hands the records to that consumer's function alone, as its event source mapping
 * would (Lambda Invoke with an MSK event), and deletes the message only once every record of it
 * was processed or is back on the queue in a message of its own (a poison record the handler
 * still refuses). It is safe to repeat: the consumers skip an eventId they have processed
 * (Powertools idempotency, conditional writes), and a message stays until its records succeeded.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { KafkaBatchResponse } from '../../lambdas/shared/kafka/batch';
import { CONSUMERS, type ConsumerName } from '../../lib/config/consumers';
import { OPERATOR_OUTPUTS } from '../../lib/config/operator-outputs';
import {
  buildMskEvent,
  type KafkaRecord,
  partitionKey,
  splitByPayloadSize,
} from '../../local/runtime/msk-event';
import { type FailureMessage, type MissingRecords, parseFailureMessage } from './failure-message';
import { KafkaRecordSource, type RecordSource } from './kafka-records';
import { clientConfigOf, OpsError, type OpsTarget, outputOf } from './target';

/** How long `list` and `show` hide the messages they look at before giving them back. */
const PEEK_VISIBILITY_SECONDS = 30;
/** How long a redrive holds its messages: longer than any consumer's function Timeout. */
const REDRIVE_VISIBILITY_SECONDS = 15 * 60;

export interface FailureQueue {
  readonly consumer: ConsumerName;
  readonly queueUrl: string;
  readonly functionName: string;
  readonly eventSourceArn: string;
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
  readonly records: RecordSource;
  /** Brokers named in events whose message does not name them (a poison record's). */
  readonly bootstrapServers: readonly string[];
  close(): Promise<void>;
}

export function consumerNameOf(name: string | undefined): ConsumerName {
  const known = CONSUMERS.map((consumer) => consumer.name);
  if (name === undefined || name === '') {
    throw new OpsError(`Name a consumer: one of ${known.join(', ')}`);
  }
  const consumer = known.find((candidate) => candidate === name);
  if (consumer === undefined) throw new OpsError(`No consumer '${name}'; known: ${known.join(', ')}`);
  return consumer;
}

/** The consumer's queue, function and the clients for them, from the target's outputs and environment. */
export function openFailureQueue(target: OpsTarget, consumerName: string | undefined): FailureQueue {
  const consumer = consumerNameOf(consumerName);
  const queueUrl = outputOf(target, OPERATOR_OUTPUTS.failureQueueUrl(consumer));
  const functionName = outputOf(target, OPERATOR_OUTPUTS.functionName(consumer));
  const eventSourceArn = outputOf(target, OPERATOR_OUTPUTS.kafkaCluster);
  const sqs = new SQSClient(clientConfigOf(target, 'SQS'));
  const lambda = new LambdaClient(clientConfigOf(target, 'LAMBDA'));
  const records = new KafkaRecordSource(target);
  return {
    consumer,
    queueUrl,
    functionName,
    eventSourceArn,
    sqs,
    lambda,
    records,
    bootstrapServers: target.environment.KAFKA_BROKERS?.split(',') ?? [],
    close: async () => {
      sqs.destroy();
      lambda.destroy();
      await records.close();
    },
  };
}

/** Messages received and hidden for a while; `release` makes the ones still held visible again at once. */
interface Peeked {
  readonly messages: readonly FailureMessage[];
  /** Deletes one of the messages from the queue for good. */
  remove(message: FailureMessage): Promise<void>;
  release(): Promise<void>;
}

/**
 * Every message on the queue, without consuming any: received with a visibility timeout until the
 * queue answers empty (each message once, by id), for the caller to release or delete.
 */
async function peekAll(queue: FailureQueue, visibilitySeconds: number): Promise<Peeked> {
  const byId = new Map<string, FailureMessage>();
  for (;;) {
    const { Messages } = await reachQueue(queue, () =>
      queue.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibilitySeconds,
          // Long polling asks every SQS server, so an empty answer means an empty queue.
          WaitTimeSeconds: 1,
        }),
      ),
    );
    const fresh = (Messages ?? []).filter((message) => !byId.has(message.MessageId ?? ''));
    if (fresh.length === 0) break;
    for (const message of fresh) byId.set(message.MessageId ?? '', parseFailureMessage(message));
  }
  const held = new Map(byId);
  return {
    messages: [...byId.values()],
    remove: async (message) => {
      await reachQueue(queue, () =>
        queue.sqs.send(
          new DeleteMessageCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: message.receiptHandle }),
        ),
      );
      held.delete(message.messageId);
    },
    release: async () => {
      for (const message of held.values()) {
        await reachQueue(queue, () =>
          queue.sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queue.queueUrl,
              ReceiptHandle: message.receiptHandle,
              VisibilityTimeout: 0,
            }),
          ),
        );
      }
      held.clear();
    },
  };
}

/** An SQS call; a queue that cannot be reached (the local mode stopped, no access) is an OpsError. */
async function reachQueue<Output>(queue: FailureQueue, call: () => Promise<Output>): Promise<Output> {
  try {
    return await call();
  } catch (error) {
    throw new OpsError(
      `Could not reach the ${queue.consumer} failure queue ${queue.queueUrl}: ${(error as Error).name}: ${(error as Error).message} (is the local mode running, or are the stage's credentials set?)`,
      { cause: error },
    );
  }
}

/** `list`: every message on the queue, left on it. */
export async function listFailures(queue: FailureQueue): Promise<FailureMessage[]> {
  const peeked = await peekAll(queue, PEEK_VISIBILITY_SECONDS);
  await peeked.release();
  return [...peeked.messages];
}

/** `--all`, or one message id. */
export type MessageSelector = { readonly all: true } | { readonly messageId: string };

function select(
  queue: FailureQueue,
  messages: readonly FailureMessage[],
  selector: MessageSelector,
): FailureMessage[] {
  if ('all' in selector) return [...messages];
  const found = messages.find((message) => message.messageId === selector.messageId);
  if (found === undefined) {
    throw new OpsError(
      `No message ${selector.messageId} on the ${queue.consumer} failure queue (${messages.length} there; npm run dlq -- list ${queue.consumer})`,
    );
  }
  return [found];
}

export interface ShownFailure {
  readonly message: FailureMessage;
  readonly records: readonly KafkaRecord[];
  readonly missing: readonly MissingRecords[];
}

/**
 * Runs `each` on the selected messages one after the other, while all messages of the queue are
 * held; whatever was not deleted is visible again at once afterwards, also after an error.
 */
async function forEachSelected<Result>(
  queue: FailureQueue,
  visibilitySeconds: number,
  selector: MessageSelector,
  each: (message: FailureMessage, peeked: Peeked) => Promise<Result>,
): Promise<Result[]> {
  const peeked = await peekAll(queue, visibilitySeconds);
  try {
    const results: Result[] = [];
    for (const message of select(queue, peeked.messages, selector)) results.push(await each(message, peeked));
    return results;
  } finally {
    await peeked.release();
  }
}

/** `show`: the messages with their records, read back from the topic where the message has only coordinates. */
export function showFailures(queue: FailureQueue, selector: MessageSelector): Promise<ShownFailure[]> {
  return forEachSelected(queue, PEEK_VISIBILITY_SECONDS, selector, async (message) => ({
    message,
    ...(await recordsOf(queue, message)),
  }));
}

async function recordsOf(
  queue: FailureQueue,
  message: FailureMessage,
): Promise<{ records: readonly KafkaRecord[]; missing: readonly MissingRecords[] }> {
  if (message.record !== undefined) return { records: [message.record], missing: [] };
  if (message.ranges.length === 0) return { records: [], missing: [] };
  return queue.records.read(message.ranges);
}

export type RecordOutcome =
  /** The function took it: not in its batch item failures. */
  | 'processed'
  /** The handler refused it again: it is back on the failure queue in a message of its own. */
  | 'still refused'
  /** The function reported it failed, or failed as a whole; it stays on the queue. */
  | 'failed'
  /** The topic no longer holds it (retention); it cannot be redriven. */
  | 'gone'
  /** --dry-run: what a redrive would hand the function. */
  | 'would redrive';

export interface RecordReport {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly outcome: RecordOutcome;
  readonly detail?: string;
}

export interface RedriveReport {
  readonly message: FailureMessage;
  readonly records: readonly RecordReport[];
  /** Whether the message was deleted from the queue. */
  readonly deleted: boolean;
  readonly missing: readonly MissingRecords[];
}

export interface RedriveOptions {
  readonly dryRun?: boolean;
}

/** `redrive`: each selected message's records handed to the consumer's function, message by message. */
export function redriveFailures(
  queue: FailureQueue,
  selector: MessageSelector,
  options: RedriveOptions = {},
): Promise<RedriveReport[]> {
  // The messages on the queue before the redrive: a poison record's new message is none of them.
  let known: Set<string> | undefined;
  return forEachSelected(queue, REDRIVE_VISIBILITY_SECONDS, selector, (message, peeked) => {
    known ??= new Set(peeked.messages.map((candidate) => candidate.messageId));
    return redriveOne(queue, peeked, message, known, options);
  });
}

async function redriveOne(
  queue: FailureQueue,
  peeked: Peeked,
  message: FailureMessage,
  known: Set<string>,
  options: RedriveOptions,
): Promise<RedriveReport> {
  const { records, missing } = await recordsOf(queue, message);
  const goneReports = missing.map<RecordReport>((gone) => ({
    topic: gone.range.topic,
    partition: gone.range.partition,
    offset:
      gone.range.firstOffset === gone.range.lastOffset
        ? gone.range.firstOffset
        : `${gone.range.firstOffset}..${gone.range.lastOffset}`,
    outcome: 'gone',
  }));
  if (options.dryRun || records.length === 0) {
    return {
      message,
      records: [...records.map((record) => reportOf(record, 'would redrive')), ...goneReports],
      deleted: false,
      missing,
    };
  }
  const startedAt = Date.now();
  const source = {
    eventSourceArn: message.eventSourceArn ?? queue.eventSourceArn,
    bootstrapServers: message.bootstrapServers.length > 0 ? message.bootstrapServers : queue.bootstrapServers,
  };
  const reports: RecordReport[] = [];
  // Lambda cuts a batch at the 6 MB an invocation may carry; so does the redrive.
  for (const run of splitByPayloadSize(records, source)) {
    reports.push(...(await invokeWith(queue, run, source)));
  }
  const refused = await refusedAgain(queue, reports, known, startedAt);
  const final = reports.map((report) => {
    const copy = refused.get(coordinatesOf(report));
    return copy === undefined
      ? report
      : {
          ...report,
          outcome: 'still refused' as const,
          detail: `${copy.detail}; now message ${copy.messageId}`,
        };
  });
  const deletable =
    missing.length === 0 &&
    final.every((report) => report.outcome === 'processed' || report.outcome === 'still refused');
  if (deletable) await peeked.remove(message);
  return { message, records: [...final, ...goneReports], deleted: deletable, missing };
}

/** `orders.events-3@42`: one record, wherever it was named (a report, a failed record). */
function coordinatesOf(record: { topic: string; partition: number; offset: string }): string {
  return `${record.topic}-${record.partition}@${record.offset}`;
}

function reportOf(record: KafkaRecord, outcome: RecordOutcome, detail?: string): RecordReport {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    outcome,
    ...(detail ? { detail } : {}),
  };
}

/** One synchronous invocation (RequestResponse) and each record's outcome from its answer. */
async function invokeWith(
  queue: FailureQueue,
  records: readonly KafkaRecord[],
  source: { eventSourceArn: string; bootstrapServers: readonly string[] },
): Promise<RecordReport[]> {
  const event = buildMskEvent(records, source);
  let answer: { FunctionError?: string; Payload?: Uint8Array };
  try {
    answer = await queue.lambda.send(
      new InvokeCommand({
        FunctionName: queue.functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
  } catch (error) {
    throw new OpsError(
      `Could not invoke ${queue.functionName}: ${(error as Error).name}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const payload = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
  if (answer.FunctionError) {
    const detail = `function error ${answer.FunctionError}: ${errorMessageOf(payload)}`;
    return records.map((record) => reportOf(record, 'failed', detail));
  }
  return outcomesOf(records, payload);
}

/** Each record's outcome from the function's Kafka partial batch response. */
export function outcomesOf(records: readonly KafkaRecord[], payload: string): RecordReport[] {
  let response: Partial<KafkaBatchResponse> | undefined;
  try {
    response = JSON.parse(payload) as Partial<KafkaBatchResponse>;
  } catch {
    response = undefined;
  }
  const failures = response?.batchItemFailures;
  if (failures !== undefined && !Array.isArray(failures)) {
    return records.map((record) => reportOf(record, 'failed', 'malformed partial batch response'));
  }
  const failed = new Set(
    (failures ?? []).map(
      (failure) => `${failure.itemIdentifier?.partition}@${failure.itemIdentifier?.offset}`,
    ),
  );
  return records.map((record) =>
    failed.has(`${partitionKey(record)}@${Number(record.offset)}`)
      ? reportOf(record, 'failed', 'reported failed by the function; it will be kept for another redrive')
      : reportOf(record, 'processed'),
  );
}

function errorMessageOf(payload: string): string {
  try {
    const error = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    return `${error.errorType ?? 'Error'}: ${error.errorMessage ?? payload}`;
  } catch {
    return payload;
  }
}

/**
 * Records the function took but diverted to the failure queue again (still poison): new messages,
 * not seen before the redrive, that name the same record and were written after it started. They
 * are left on the queue; each is the record's one message from now on.
 */
async function refusedAgain(
  queue: FailureQueue,
  reports: readonly RecordReport[],
  known: Set<string>,
  startedAt: number,
): Promise<Map<string, { messageId: string; detail: string }>> {
  const refused = new Map<string, { messageId: string; detail: string }>();
  const processed = new Set(reports.filter((report) => report.outcome === 'processed').map(coordinatesOf));
  if (processed.size === 0) return refused;
  // Clocks of the tool and the function may differ a little.
  const since = startedAt - 60_000;
  const peeked = await peekAll(queue, PEEK_VISIBILITY_SECONDS);
  try {
    for (const message of peeked.messages) {
      if (known.has(message.messageId) || message.kind !== 'poison' || message.record === undefined) continue;
      if (Date.parse(message.failedAt ?? '') < since) continue;
      const key = coordinatesOf(message.record);
      if (!processed.has(key)) continue;
      refused.set(key, { messageId: message.messageId, detail: `${message.reason}: ${message.error ?? ''}` });
      known.add(message.messageId);
    }
  } finally {
    await peeked.release();
  }
  return refused;
}
