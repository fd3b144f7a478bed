/**
 * What a Kafka event source mapping does with one batch, independent of Kafka itself: drop records
 * older than MaximumRecordAgeInSeconds to the on-failure destination, invoke, honour a partial batch
 * response (ReportBatchItemFailures), retry failures with backoff, bisect the batch on a function
 * error (BisectBatchOnFunctionError), and after MaximumRetryAttempts send what still fails to the
 * on-failure destination so the partition keeps flowing. Records of one partition stay in order.
 */

import { readKafkaBatchResponse } from '../../lib/config/aws-rules';
import { type KafkaRecord, partitionKey } from './msk-event';
import type { FailureCondition } from './on-failure';

export interface BatchSettings {
  /** -1 = infinite (capped at 10 when an on-failure destination exists, as AWS does). */
  readonly maximumRetryAttempts: number;
  /** -1 = infinite. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly hasOnFailureDestination: boolean;
}

export interface BatchDependencies {
  /** Invokes the function with these records; rejects on a function error. */
  readonly invoke: (records: readonly KafkaRecord[]) => Promise<unknown>;
  /** Sends records to the on-failure destination (or drops them when the mapping has none). */
  readonly sendToOnFailure: (
    records: readonly KafkaRecord[],
    condition: FailureCondition,
    details: { approximateInvokeCount: number; functionError: boolean },
  ) => Promise<void>;
  /** False once the mapping is stopping, paused or lost the partition: leave the rest uncommitted. */
  readonly shouldContinue?: () => boolean;
  /** Keeps the consumer group membership alive during long retries. */
  readonly heartbeat?: () => Promise<void>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Backoff before retry n (1-based). @default 100 ms doubling, at most 2 s */
  readonly backoffMs?: (retry: number) => number;
  /** Told why a response failed the whole batch (a malformed partial batch response). @default nothing */
  readonly onInvalidResponse?: (reason: string) => void;
}

export interface BatchOutcome {
  /** True when processing stopped early (shouldContinue): nothing may be committed past the batch start. */
  readonly aborted: boolean;
  readonly invocations: number;
  readonly functionErrors: number;
  readonly sentToOnFailure: number;
}

/** AWS's cap on "infinite" retries when an on-failure destination is configured. */
const INFINITE_RETRIES_WITH_DESTINATION = 10;

export async function runBatch(
  records: readonly KafkaRecord[],
  settings: BatchSettings,
  deps: BatchDependencies,
): Promise<BatchOutcome> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const backoffMs = deps.backoffMs ?? ((retry: number) => Math.min(2_000, 100 * 2 ** (retry - 1)));
  const shouldContinue = deps.shouldContinue ?? (() => true);
  const maxRetries =
    settings.maximumRetryAttempts >= 0
      ? settings.maximumRetryAttempts
      : settings.hasOnFailureDestination
        ? INFINITE_RETRIES_WITH_DESTINATION
        : Number.POSITIVE_INFINITY;
  const outcome = { aborted: false, invocations: 0, functionErrors: 0, sentToOnFailure: 0 };

  const isExpired = (record: KafkaRecord) =>
    settings.maximumRecordAgeSeconds >= 0 &&
    now() - Number(record.timestamp) > settings.maximumRecordAgeSeconds * 1000;

  const expire = async (batch: readonly KafkaRecord[], invokeCount: number, functionError: boolean) => {
    const expired = batch.filter(isExpired);
    if (expired.length > 0) {
      await deps.sendToOnFailure(expired, 'RecordAgeExceeded', {
        approximateInvokeCount: invokeCount,
        functionError,
      });
      outcome.sentToOnFailure += expired.length;
    }
    return batch.filter((record) => !isExpired(record));
  };

  /** Processes `initial` until every record succeeded or went to on-failure; false when aborted. */
  const attempt = async (initial: readonly KafkaRecord[], failuresBefore: number): Promise<boolean> => {
    let batch = await expire(initial, failuresBefore, false);
    let failures = failuresBefore;
    while (batch.length > 0) {
      if (!shouldContinue()) return false;
      await deps.heartbeat?.();
      outcome.invocations += 1;
      let failed: readonly KafkaRecord[];
      let functionError = false;
      try {
        const result = await deps.invoke(batch);
        failed = settings.reportBatchItemFailures
          ? failedRecordsOf(result, batch, deps.onInvalidResponse)
          : [];
      } catch {
        outcome.functionErrors += 1;
        functionError = true;
        failed = batch;
      }
      if (failed.length === 0) return true;
      if (functionError && settings.bisectBatchOnFunctionError && failed.length > 1) {
        // Splitting does not count against the retry quota (as in AWS); the halves run one after
        // the other so each partition's records keep their order.
        await sleep(backoffMs(failures + 1));
        if (!shouldContinue()) return false;
        const middle = Math.ceil(failed.length / 2);
        if (!(await attempt(failed.slice(0, middle), failures))) return false;
        return attempt(failed.slice(middle), failures);
      }
      failures += 1;
      if (failures > maxRetries) {
        await deps.sendToOnFailure(failed, 'RetryAttemptsExhausted', {
          approximateInvokeCount: failures,
          functionError,
        });
        outcome.sentToOnFailure += failed.length;
        return true;
      }
      await sleep(backoffMs(failures));
      if (!shouldContinue()) return false;
      batch = await expire(failed, failures, functionError);
    }
    return true;
  };

  outcome.aborted = !(await attempt(records, 0));
  return outcome;
}

/**
 * The records to retry after a partial batch response: per partition, the lowest reported offset
 * and everything after it (later records must not overtake it). Only the documented shape counts
 * (lib/config/aws-rules.ts, readKafkaBatchResponse); any other answer, or one that names a record
 * outside the batch, fails the whole batch, as Lambda treats it.
 */
export function failedRecordsOf(
  result: unknown,
  batch: readonly KafkaRecord[],
  onInvalid?: (reason: string) => void,
): readonly KafkaRecord[] {
  const reading = readKafkaBatchResponse(result);
  if (reading.outcome === 'success') return [];
  if (reading.outcome === 'batch-failed') {
    onInvalid?.(reading.reason);
    return batch;
  }
  const lowest = new Map<string, bigint>();
  for (const { partition, offset } of reading.failures) {
    const wanted = BigInt(offset);
    if (!batch.some((record) => partitionKey(record) === partition && BigInt(record.offset) === wanted)) {
      onInvalid?.(`itemIdentifier ${JSON.stringify({ partition, offset })} names no record of the batch`);
      return batch;
    }
    const current = lowest.get(partition);
    if (current === undefined || wanted < current) lowest.set(partition, wanted);
  }
  return batch.filter((record) => {
    const from = lowest.get(partitionKey(record));
    return from !== undefined && BigInt(record.offset) >= from;
  });
}
