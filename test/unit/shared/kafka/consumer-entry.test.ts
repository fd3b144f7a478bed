import { afterEach, describe, expect, it, vi } from 'vitest';
import { consumerEntry } from '../../../../lambdas/shared/kafka/consumer-entry';
import type { ConsumerDependencies } from '../../../../lambdas/shared/kafka/consumer-handler';
import { lambdaContext } from '../../../fixtures/consumers/lambda-context';
import { mskEvent } from '../../../fixtures/msk';

const context = lambdaContext('loyalty');

describe('consumerEntry', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds the dependencies on the first invocation, once, with the failed-record sink of the environment', async () => {
    // Prepare
    const fromEnvironment = vi.fn(() => ({ ledger: 'dynamodb' }));
    const given: (ConsumerDependencies & { ledger: string })[] = [];
    const handler = consumerEntry(
      'loyalty',
      (deps: ConsumerDependencies & { ledger: string }) => {
        given.push(deps);
        return async () => ({ batchItemFailures: [] });
      },
      fromEnvironment,
    );
    const builtAtImport = fromEnvironment.mock.calls.length;
    process.env.DEAD_LETTER_TOPIC = 'loyalty.dead-letters';

    // Act
    const responses = [await handler(mskEvent([]), context), await handler(mskEvent([]), context)];

    // Assess
    expect(builtAtImport).toBe(0);
    expect(responses).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(fromEnvironment).toHaveBeenCalledTimes(1);
    expect(given).toHaveLength(1);
    expect(given[0]?.ledger).toBe('dynamodb');
    expect(given[0]?.failedRecordSink.send).toBeTypeOf('function');
  });
});
