import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { stopIdleRequestQueuePolling } from '../../../../lambdas/shared/kafka/request-queue-idle';

interface PushedRequest {
  readonly entry: {
    readonly correlationId: number;
    readonly apiKey: number;
    readonly apiName: string;
    readonly resolve: () => void;
    readonly reject: () => void;
  };
  readonly expectResponse: boolean;
  readonly sendRequest: () => void;
}

interface RequestQueue {
  throttledUntil: number;
  readonly pending: readonly unknown[];
  push(request: PushedRequest): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(clientSideThrottleTime: number | null): void;
  destroy(): void;
}

type RequestQueueClass = new (options: Record<string, unknown>) => RequestQueue;

const RequestQueueClass = require('kafkajs/src/network/requestQueue/index.js') as RequestQueueClass;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function connectionQueue(maxInFlightRequests = 1): RequestQueue {
  return new RequestQueueClass({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: silent,
  });
}

function request(correlationId: number, sent: number[]): PushedRequest {
  return {
    entry: { correlationId, apiKey: 1, apiName: 'Fetch', resolve: () => undefined, reject: () => undefined },
    expectResponse: true,
    sendRequest: () => sent.push(correlationId),
  };
}

describe('stopIdleRequestQueuePolling', () => {
  beforeAll(() => stopIdleRequestQueuePolling());
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no timer behind once every request is answered', () => {
    // Prepare
    const queue = connectionQueue();
    const sent: number[] = [];
    queue.push(request(1, sent));

    // Act
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });

    // Assess
    expect(sent).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('still sends a queued request when the one in flight is answered', () => {
    // Prepare
    const queue = connectionQueue(1);
    const sent: number[] = [];
    queue.push(request(1, sent));
    queue.push(request(2, sent));

    // Act
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });

    // Assess
    expect(sent).toEqual([1, 2]);
    expect(queue.pending).toHaveLength(0);
  });

  it('sends a request queued behind a broker throttle once the throttle has passed', () => {
    // Prepare
    const queue = connectionQueue(5);
    const sent: number[] = [];
    queue.maybeThrottle(200);
    queue.push(request(1, sent));

    // Act
    vi.advanceTimersByTime(199);
    const beforeThrottleEnds = [...sent];
    vi.advanceTimersByTime(11);

    // Assess
    expect(beforeThrottleEnds).toEqual([]);
    expect(sent).toEqual([1]);
  });

  it('applies once, however often it is called', () => {
    // Prepare
    const replaced = (RequestQueueClass.prototype as { scheduleCheckPendingRequests: unknown })
      .scheduleCheckPendingRequests;

    // Act
    stopIdleRequestQueuePolling();

    // Assess
    expect(
      (RequestQueueClass.prototype as { scheduleCheckPendingRequests: unknown }).scheduleCheckPendingRequests,
    ).toBe(replaced);
  });
});
