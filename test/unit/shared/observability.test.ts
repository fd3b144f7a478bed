import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  countMetric,
  instrumentHandler,
  logger,
  MetricUnit,
  metrics,
  tracer,
} from '../../../lambdas/shared/observability';

const context = {
  functionName: 'order-pipeline-loyalty',
  functionVersion: '$LATEST',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:order-pipeline-loyalty',
  memoryLimitInMB: '512',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('instrumentHandler', () => {
  it('adds the Lambda context to logs, captures the cold start and flushes metrics', async () => {
    // Prepare
    const addContext = vi.spyOn(logger, 'addContext');
    const coldStart = vi.spyOn(metrics, 'captureColdStartMetric').mockImplementation(() => undefined);
    const publish = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = instrumentHandler(async (event: { n: number }) => event.n * 2, { name: 'double' });

    // Act
    const result = await handler({ n: 21 }, context);

    // Assess
    expect(result).toBe(42);
    expect(addContext).toHaveBeenCalledWith(context);
    expect(coldStart).toHaveBeenCalledWith('order-pipeline-loyalty');
    expect(publish).toHaveBeenCalledOnce();
  });

  it('flushes metrics and rethrows when the handler fails', async () => {
    // Prepare
    vi.spyOn(metrics, 'captureColdStartMetric').mockImplementation(() => undefined);
    const publish = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const logError = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const failure = new Error('table missing');
    const handler = instrumentHandler(async () => {
      throw failure;
    });

    // Act
    const error = await handler({}, context).catch((e: unknown) => e);

    // Assess
    expect(error).toBe(failure);
    expect(publish).toHaveBeenCalledOnce();
    expect(logError).toHaveBeenCalledWith('Handler failed', { error: failure });
  });

  it('opens and closes a handler subsegment when tracing is on', async () => {
    // Prepare
    vi.spyOn(metrics, 'captureColdStartMetric').mockImplementation(() => undefined);
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const subsegment = { close: vi.fn() };
    const segment = { addNewSubsegment: vi.fn(() => subsegment) };
    vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    vi.spyOn(tracer, 'getSegment').mockReturnValue(segment as never);
    const setSegment = vi.spyOn(tracer, 'setSegment').mockImplementation(() => undefined);
    vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => undefined);
    vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => undefined);
    const addResponse = vi.spyOn(tracer, 'addResponseAsMetadata').mockImplementation(() => undefined);
    const handler = instrumentHandler(async () => 'ok', { name: 'checkout' });

    // Act
    await handler({}, context);

    // Assess
    expect(segment.addNewSubsegment).toHaveBeenCalledWith('## checkout');
    expect(setSegment).toHaveBeenNthCalledWith(1, subsegment);
    expect(setSegment).toHaveBeenNthCalledWith(2, segment);
    expect(subsegment.close).toHaveBeenCalledOnce();
    expect(addResponse).toHaveBeenCalledWith('ok', 'checkout');
  });
});

describe('countMetric', () => {
  it('adds a count', () => {
    // Prepare
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);

    // Act
    countMetric('OrdersPlaced');
    countMetric('PointsCredited', 44);

    // Assess
    expect(addMetric).toHaveBeenNthCalledWith(1, 'OrdersPlaced', MetricUnit.Count, 1);
    expect(addMetric).toHaveBeenNthCalledWith(2, 'PointsCredited', MetricUnit.Count, 44);
  });
});
