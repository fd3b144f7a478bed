import { describe, expect, it, vi } from 'vitest';
import { type BatchSettings, failedRecordsOf, runBatch } from '../../../../local/runtime/batch-runner';
import type { KafkaRecord } from '../../../../local/runtime/msk-event';

const NOW = 1_800_000_000_000;

function records(count: number, options: { ageSeconds?: number; topic?: string } = {}): KafkaRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    topic: options.topic ?? 'orders.events',
    partition: 3,
    offset: String(100 + index),
    timestamp: String(NOW - (options.ageSeconds ?? 1) * 1000),
    key: Buffer.from(`order-${index}`),
    value: Buffer.from(JSON.stringify({ n: index })),
    headers: {},
  }));
}

const SETTINGS: BatchSettings = {
  maximumRetryAttempts: 2,
  maximumRecordAgeSeconds: 3600,
  bisectBatchOnFunctionError: false,
  reportBatchItemFailures: true,
  hasOnFailureDestination: true,
};

function harness(invoke: (batch: readonly KafkaRecord[]) => Promise<unknown>) {
  const invoked: string[][] = [];
  const sent: { offsets: string[]; condition: string; approximateInvokeCount: number }[] = [];
  return {
    invoked,
    sent,
    deps: {
      invoke: async (batch: readonly KafkaRecord[]) => {
        invoked.push(batch.map((record) => record.offset));
        return invoke(batch);
      },
      sendToOnFailure: async (
        failed: readonly KafkaRecord[],
        condition: string,
        details: { approximateInvokeCount: number },
      ) => {
        sent.push({ offsets: failed.map((r) => r.offset), condition, ...details });
      },
      now: () => NOW,
      sleep: async () => undefined,
    },
  };
}

describe('runBatch', () => {
  it('invokes once and sends nothing on when the function succeeds', async () => {
    // Prepare
    const { deps, invoked, sent } = harness(async () => ({ batchItemFailures: [] }));

    // Act
    const outcome = await runBatch(records(3), SETTINGS, deps);

    // Assess
    expect(invoked).toEqual([['100', '101', '102']]);
    expect(sent).toEqual([]);
    expect(outcome).toEqual({ aborted: false, invocations: 1, functionErrors: 0, sentToOnFailure: 0 });
  });

  it('retries from the lowest reported failure, keeping partition order', async () => {
    // Prepare
    let call = 0;
    const { deps, invoked } = harness(async () => {
      call += 1;
      return call === 1
        ? { batchItemFailures: [{ itemIdentifier: { partition: 'orders.events-3', offset: 101 } }] }
        : {};
    });

    // Act
    await runBatch(records(3), SETTINGS, deps);

    // Assess
    expect(invoked).toEqual([
      ['100', '101', '102'],
      ['101', '102'],
    ]);
  });

  it('sends records that still fail after MaximumRetryAttempts to the on-failure destination', async () => {
    // Prepare
    const { deps, invoked, sent } = harness(async () => {
      throw new Error('boom');
    });

    // Act
    const outcome = await runBatch(records(2), SETTINGS, deps);

    // Assess: the first attempt plus two retries.
    expect(invoked).toHaveLength(3);
    expect(sent).toEqual([
      {
        offsets: ['100', '101'],
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
        functionError: true,
      },
    ]);
    expect(outcome).toMatchObject({ aborted: false, functionErrors: 3, sentToOnFailure: 2 });
  });

  it('bisects a failing batch to isolate the poison record', async () => {
    // Prepare
    const { deps, sent } = harness(async (batch) => {
      if (batch.some((record) => record.offset === '102')) throw new Error('poison');
      return {};
    });

    // Act
    await runBatch(
      records(4),
      { ...SETTINGS, bisectBatchOnFunctionError: true, maximumRetryAttempts: 3 },
      deps,
    );

    // Assess
    expect(sent).toEqual([
      expect.objectContaining({ offsets: ['102'], condition: 'RetryAttemptsExhausted' }),
    ]);
  });

  it('sends records older than MaximumRecordAgeInSeconds on without invoking', async () => {
    // Prepare
    const { deps, invoked, sent } = harness(async () => ({}));
    const old = records(2, { ageSeconds: 7200 });

    // Act
    await runBatch(old, SETTINGS, deps);

    // Assess
    expect(invoked).toEqual([]);
    expect(sent).toEqual([
      {
        offsets: ['100', '101'],
        condition: 'RecordAgeExceeded',
        approximateInvokeCount: 0,
        functionError: false,
      },
    ]);
  });

  it('ignores a partial response when ReportBatchItemFailures is off', async () => {
    // Prepare
    const { deps, invoked } = harness(async () => ({
      batchItemFailures: [{ itemIdentifier: { partition: 'orders.events-3', offset: 100 } }],
    }));

    // Act
    await runBatch(records(2), { ...SETTINGS, reportBatchItemFailures: false }, deps);

    // Assess
    expect(invoked).toHaveLength(1);
  });

  it('stops without finishing when the mapping is paused or loses the partition', async () => {
    // Prepare
    let allowed = true;
    const { deps } = harness(async () => {
      allowed = false;
      throw new Error('boom');
    });

    // Act
    const outcome = await runBatch(records(2), SETTINGS, { ...deps, shouldContinue: () => allowed });

    // Assess
    expect(outcome.aborted).toBe(true);
  });

  it('caps infinite retries at 10 when an on-failure destination exists', async () => {
    // Prepare
    const invoke = vi.fn(async () => {
      throw new Error('boom');
    });
    const { deps } = harness(invoke);

    // Act
    await runBatch(records(1), { ...SETTINGS, maximumRetryAttempts: -1 }, deps);

    // Assess
    expect(invoke).toHaveBeenCalledTimes(11);
  });
});

describe('failedRecordsOf', () => {
  const batch = records(3);

  it('retries from the record the documented identifier names', () => {
    // Act
    const failed = failedRecordsOf(
      { batchItemFailures: [{ itemIdentifier: { partition: 'orders.events-3', offset: 101 } }] },
      batch,
    );

    // Assess
    expect(failed.map((record) => record.offset)).toEqual(['101', '102']);
  });

  it.each([
    ["the 'topic-partition' key", { 'topic-partition': 'orders.events-3', offset: 101 }],
    ['topic and partition fields', { topic: 'orders.events', partition: 3, offset: 101 }],
    ['the string form', 'orders.events-3-101'],
    ['a missing offset', { partition: 'orders.events-3' }],
    ['a string offset', { partition: 'orders.events-3', offset: '101' }],
    ['an extra key', { partition: 'orders.events-3', offset: 101, topic: 'orders.events' }],
    ['an identifier outside the batch', { partition: 'orders.events-3', offset: 999 }],
    ['an empty identifier', ''],
    ['a null identifier', null],
  ])('fails the whole batch for %s, as Lambda does', (_case, itemIdentifier) => {
    // Prepare
    const reasons: string[] = [];

    // Act
    const failed = failedRecordsOf({ batchItemFailures: [{ itemIdentifier }] }, batch, (reason) =>
      reasons.push(reason),
    );

    // Assess
    expect(failed).toHaveLength(3);
    expect(reasons).toHaveLength(1);
  });

  it.each([[{ batchItemFailures: 'all' }], ['ok'], [[]]])(
    'fails the whole batch for the response %j',
    (response) => {
      // Act
      const failed = failedRecordsOf(response, batch);

      // Assess
      expect(failed).toHaveLength(3);
    },
  );

  it.each([[null], [undefined], [{}], [{ batchItemFailures: [] }], [{ batchItemFailures: null }]])(
    'treats %j as complete success',
    (response) => {
      // Act
      const failed = failedRecordsOf(response, batch);

      // Assess
      expect(failed).toEqual([]);
    },
  );
});

describe('runBatch with a malformed partial batch response', () => {
  it("retries the whole batch when the function names records with 'topic-partition'", async () => {
    // Prepare: the key our handlers used to answer with; Lambda does not know it.
    let call = 0;
    const reasons: string[] = [];
    const { deps, invoked } = harness(async () => {
      call += 1;
      return call === 1
        ? { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 'orders.events-3', offset: 102 } }] }
        : { batchItemFailures: [] };
    });

    // Act
    await runBatch(records(3), SETTINGS, { ...deps, onInvalidResponse: (reason) => reasons.push(reason) });

    // Assess: not from offset 102, but all three again.
    expect(invoked).toEqual([
      ['100', '101', '102'],
      ['100', '101', '102'],
    ]);
    expect(reasons[0]).toMatch(/itemIdentifier must be \{ partition/);
  });
});
