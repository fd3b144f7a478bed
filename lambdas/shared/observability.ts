/**
 * Powertools set-up shared by every handler: one logger, tracer and metrics instance per
 * container, configured from POWERTOOLS_* variables (service name, namespace, log level).
 * Middy is not used; `instrumentHandler` does what its middlewares would do.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

export { MetricUnit } from '@aws-lambda-powertools/metrics';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'order-pipeline';

export const logger = new Logger({ serviceName });
export const tracer = new Tracer({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'OrderPipeline',
});

/** Metric names shared by the shared modules; business metrics are named by the handlers. */
export const SHARED_METRICS = {
  poisonRecords: 'PoisonRecords',
  failedRecords: 'FailedRecords',
  processedRecords: 'ProcessedRecords',
  eventsPublished: 'EventsPublished',
  duplicateEvents: 'DuplicateEvents',
} as const;

/** Adds one count to a metric, e.g. `countMetric('OrdersPlaced')`. Flushed when the handler ends. */
export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Wraps a handler with what every handler needs: Lambda context in the logs, a cold-start metric
 * and annotation, a `## <handler>` trace subsegment with the error attached, and the stored
 * metrics flushed once the invocation ends, whether it succeeded or not.
 */
export function instrumentHandler<TEvent, TResult>(
  handler: LambdaHandler<TEvent, TResult>,
  options: { readonly name?: string } = {},
): LambdaHandler<TEvent, TResult> {
  const name = options.name ?? process.env._HANDLER ?? 'handler';
  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const subsegment = segment?.addNewSubsegment(`## ${name}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      const result = await handler(event, context);
      tracer.addResponseAsMetadata(result, name);
      return result;
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      logger.error('Handler failed', { error });
      throw error;
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
      // Buffered metrics belong to this invocation; flush them even when it failed.
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
