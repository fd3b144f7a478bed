import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withinProcessingLimit } from '../../../lambdas/saga/domain/processing-limit';
import { RecordingSagaCallback } from './fakes';

const LIMIT = { seconds: 5, error: 'InventoryTimeout' };

describe('withinProcessingLimit', () => {
  let callback: RecordingSagaCallback;

  beforeEach(() => {
    vi.useFakeTimers();
    callback = new RecordingSagaCallback();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes an answer given within the limit through, and sends nothing more when the limit passes', async () => {
    // Act
    const result = await withinProcessingLimit(callback, 'tok-1', LIMIT, async ({ callback: limited }) =>
      limited.succeed('tok-1', { status: 'RESERVED' }),
    );
    await vi.advanceTimersByTimeAsync(LIMIT.seconds * 1000 * 2);

    // Assess
    expect(result).toBe('DELIVERED');
    expect(callback.calls).toEqual([{ kind: 'success', taskToken: 'tok-1', output: { status: 'RESERVED' } }]);
  });

  it('answers the limit error once it passes, aborts the work, and drops the late answer', async () => {
    // Prepare
    let signalled = false;
    const running = withinProcessingLimit(callback, 'tok-1', LIMIT, async ({ callback: limited, signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      signalled = signal.aborted;
      return limited.succeed('tok-1', { status: 'RESERVED' });
    });

    // Act
    await vi.advanceTimersByTimeAsync(LIMIT.seconds * 1000 - 1);
    const answeredBeforeTheLimit = callback.calls.length;
    await vi.advanceTimersByTimeAsync(1);
    const lateAnswer = await running;

    // Assess
    expect(answeredBeforeTheLimit).toBe(0);
    expect(signalled).toBe(true);
    expect(callback.calls).toEqual([
      {
        kind: 'failure',
        taskToken: 'tok-1',
        error: 'InventoryTimeout',
        cause: expect.stringContaining('5 s'),
      },
    ]);
    expect(lateAnswer).toBe('DELIVERED');
  });

  it('waits for the work to finish after the limit, so the partition stays in order', async () => {
    // Prepare
    let finished = false;
    const running = withinProcessingLimit(callback, 'tok-1', LIMIT, async () => {
      await new Promise((resolve) => setTimeout(resolve, LIMIT.seconds * 1000 * 3));
      finished = true;
    });
    let settled = false;
    void running.then(() => {
      settled = true;
    });

    // Act
    await vi.advanceTimersByTimeAsync(LIMIT.seconds * 1000 * 2);
    const settledBeforeTheWorkEnded = settled;
    await vi.advanceTimersByTimeAsync(LIMIT.seconds * 1000);
    await running;

    // Assess
    expect(settledBeforeTheWorkEnded).toBe(false);
    expect(finished).toBe(true);
    expect(callback.calls.map((call) => call.kind)).toEqual(['failure']);
  });

  it('stops counting once the work has decided, however long the answer then takes', async () => {
    // Prepare
    const running = withinProcessingLimit(
      callback,
      'tok-1',
      LIMIT,
      async ({ callback: limited, decided }) => {
        decided();
        await new Promise((resolve) => setTimeout(resolve, LIMIT.seconds * 1000 * 3));
        return limited.succeed('tok-1', { status: 'RESERVED' });
      },
    );

    // Act
    await vi.advanceTimersByTimeAsync(LIMIT.seconds * 1000 * 3);
    const answer = await running;

    // Assess
    expect(answer).toBe('DELIVERED');
    expect(callback.calls).toEqual([{ kind: 'success', taskToken: 'tok-1', output: { status: 'RESERVED' } }]);
  });

  it('still drops the answer when the work decides only after the limit', async () => {
    // Prepare
    const running = withinProcessingLimit(
      callback,
      'tok-1',
      LIMIT,
      async ({ callback: limited, decided }) => {
        await new Promise((resolve) => setTimeout(resolve, LIMIT.seconds * 1000 * 2));
        decided();
        return limited.succeed('tok-1', { status: 'RESERVED' });
      },
    );

    // Act
    await vi.advanceTimersByTimeAsync(LIMIT.seconds * 1000 * 2);
    await running;

    // Assess
    expect(callback.calls.map((call) => call.kind)).toEqual(['failure']);
  });

  it('reports a stale token to a heartbeat after the limit, so the command is not acted on', async () => {
    // Act
    const heartbeat = await withinProcessingLimit(callback, 'tok-1', LIMIT, async ({ callback: limited }) => {
      await vi.advanceTimersByTimeAsync(LIMIT.seconds * 1000);
      return limited.heartbeat('tok-1');
    });

    // Assess
    expect(heartbeat).toBe('STALE');
    expect(callback.heartbeats).toEqual([]);
  });
});
