/**
 * The saga command publisher: one Lambda behind every task of the order saga. Step Functions
 * invokes it with { step, order, taskToken?, failure? }; it publishes that step's command or event.
 */
import type { Context } from 'aws-lambda';
import { connectKafkaProducerEarly, eventPublisherFromEnvironment } from '../../shared/kafka/producer';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import { parseSagaTaskEvent } from '../domain/saga-task';
import { runSagaStep, type SagaStepDependencies, type SagaStepResult } from '../use-cases/run-saga-step';

export function createSagaPublisherHandler(dependencies: () => SagaStepDependencies) {
  return async (event: unknown, _context: Context): Promise<SagaStepResult> => {
    const task = parseSagaTaskEvent(event);
    logger.appendKeys({
      orderId: task.order.orderId,
      correlationId: task.order.correlationId,
      step: task.step,
    });
    const result = await runSagaStep(task, dependencies());
    if (task.step === 'flagNeedsAttention') countMetric('CompensationFailures');
    if (task.step === 'failOrder') countMetric('OrdersFailed');
    if (task.step === 'confirmOrder') countMetric('OrdersConfirmed');
    logger.info('Saga step published', { published: result.published });
    return result;
  };
}

let fromEnvironment: SagaStepDependencies | undefined;

export function dependenciesFromEnvironment(): SagaStepDependencies {
  fromEnvironment ??= { publisher: eventPublisherFromEnvironment() };
  return fromEnvironment;
}

export const handler = instrumentHandler(createSagaPublisherHandler(dependenciesFromEnvironment), {
  name: 'saga-publisher',
});

connectKafkaProducerEarly();
