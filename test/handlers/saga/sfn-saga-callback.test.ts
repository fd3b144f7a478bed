import { describe, expect, it } from 'vitest';
import { SfnSagaCallback } from '../../../lambdas/saga/adapters/sfn-saga-callback';
import { awsError } from '../inventory/fake-dynamodb';
import { FakeStepFunctions } from './fake-sfn';

describe('SfnSagaCallback', () => {
  it('sends success with JSON output and failure with error and cause', async () => {
    // Prepare
    const sfn = new FakeStepFunctions();
    const callback = new SfnSagaCallback(sfn);

    // Act
    const outcomes = [
      await callback.succeed('t1', { status: 'RESERVED' }),
      await callback.fail('t2', 'OutOfStock', 'x'.repeat(40_000)),
    ];

    // Assess
    expect(outcomes).toEqual(['DELIVERED', 'DELIVERED']);
    expect(sfn.answers[0]).toEqual({ taskToken: 't1', output: { status: 'RESERVED' } });
    expect(sfn.answers[1]?.cause).toHaveLength(32_768);
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])('reports %s as STALE', async (name) => {
    // Prepare
    const sfn = new FakeStepFunctions();
    sfn.staleTokens.set('t1', name);

    // Act / Assess
    await expect(new SfnSagaCallback(sfn).fail('t1', 'OutOfStock', 'c')).resolves.toBe('STALE');
  });

  it('sends a heartbeat and reports a stale token as STALE', async () => {
    // Prepare
    const sfn = new FakeStepFunctions();
    sfn.staleTokens.set('old', 'TaskDoesNotExist');
    const callback = new SfnSagaCallback(sfn);

    // Act
    const outcomes = [await callback.heartbeat('live'), await callback.heartbeat('old')];

    // Assess
    expect(outcomes).toEqual(['DELIVERED', 'STALE']);
    expect(sfn.heartbeats).toEqual(['live']);
  });

  it('rethrows other errors so the record is retried', async () => {
    // Prepare
    const sfn = new FakeStepFunctions();
    sfn.failWith = awsError('ThrottlingException');

    // Act / Assess
    await expect(new SfnSagaCallback(sfn).succeed('t1', {})).rejects.toThrow('ThrottlingException');
  });
});
