/**
 * The Lambda entry of a consumer handler: its adapters built from the environment on the first
 * invocation, not at import, so a test or the local mode can import the module without the
 * variables, and reused by every later invocation of the container.
 */
import type { MSKEvent } from 'aws-lambda';
import type { ConsumerName } from '../../../lib/config/consumers';
import { instrumentHandler, type LambdaHandler } from '../observability';
import type { KafkaBatchResponse } from './batch';
import type { ConsumerDependencies, KafkaConsumerHandler } from './consumer-handler';
import { failedRecordSinkFromEnvironment } from './dead-letter-sink';

/**
 * `instrumentHandler` around `create(dependencies)`, where `fromEnvironment` builds the consumer's
 * own adapters and the on-failure destination is added here, the same for every consumer. The
 * trace subsegment is named after the consumer, `## order-read-model` for orderReadModel.
 */
export function consumerEntry<TDependencies extends object>(
  consumer: ConsumerName,
  create: (dependencies: NoInfer<TDependencies> & ConsumerDependencies) => KafkaConsumerHandler,
  fromEnvironment: () => TDependencies,
): LambdaHandler<MSKEvent, KafkaBatchResponse> {
  let configured: KafkaConsumerHandler | undefined;
  return instrumentHandler(
    (event, context) => {
      configured ??= create({ ...fromEnvironment(), failedRecordSink: failedRecordSinkFromEnvironment() });
      return configured(event, context);
    },
    { name: consumer.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`) },
  );
}
