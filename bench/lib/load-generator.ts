/**
 * Open-loop load: requests are scheduled by the clock (request i at start + i / rate) and sent
 * whether or not earlier ones have answered, so a slow system cannot slow the arrivals down
 * (closed-loop generators hide exactly the queueing a benchmark must show). Latency is measured
 * from the scheduled time, which also charges any delay in sending to the system's account.
 */
import { Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface ScheduledRequest {
  readonly index: number;
  readonly scheduledAt: number;
}

export interface RequestOutcome<T> {
  readonly index: number;
  readonly scheduledAt: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
  /** Parsed JSON body, when there was one. */
  readonly body: T | undefined;
  /** Response headers, when there was an answer (e.g. Retry-After on a refusal). */
  readonly headers?: IncomingHttpHeaders;
  readonly error?: string;
}

export interface OpenLoopOptions<T> {
  readonly url: string;
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  /** Method, headers and body of request i. */
  readonly build: (index: number) => { method: string; headers: Record<string, string>; body?: string };
  readonly onOutcome?: (outcome: RequestOutcome<T>) => void;
  /** Give up on an answer after this long. @default 30000 */
  readonly timeoutMs?: number;
  readonly agent?: Agent;
  /**
   * Requests allowed to wait for an answer at once; a request scheduled while this many are
   * outstanding is not sent and counts as shed (status 0, error 'shed'). Keeps a saturated system
   * from collecting thousands of requests that can only time out, which would stretch the run far
   * past its planned length and starve what is measured after it. @default unlimited
   */
  readonly maxInFlight?: number;
}

export interface OpenLoopRun<T> {
  readonly outcomes: readonly RequestOutcome<T>[];
  readonly scheduled: number;
  /** From the first scheduled send to the last scheduled send, in seconds. */
  readonly sendWindowSeconds: number;
  /** Largest lag of an actual send behind its schedule, ms (the generator's own health). */
  readonly maxSendLagMs: number;
  /** Requests not sent because maxInFlight were outstanding. */
  readonly shed: number;
}

/**
 * The benchmarks' cap on outstanding checkouts: far above what a healthy step needs (rate x p99),
 * low enough that a saturated step ends on time.
 */
export const MAX_IN_FLIGHT = 256;

/** The error of an outcome the generator shed instead of sending. */
export const SHED = 'shed';

export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1024, keepAliveMsecs: 10_000 });
}

export async function runOpenLoop<T>(options: OpenLoopOptions<T>): Promise<OpenLoopRun<T>> {
  const agent = options.agent ?? keepAliveAgent();
  const url = new URL(options.url);
  const total = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
  const interval = 1000 / options.ratePerSecond;
  const start = performance.now() + 20;
  const pending: Promise<RequestOutcome<T>>[] = [];
  let next = 0;
  let maxSendLagMs = 0;
  let lastSentAt = start;
  let inFlight = 0;
  let shed = 0;
  const maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;

  const send = (index: number, scheduledAt: number): Promise<RequestOutcome<T>> =>
    attempt(index, scheduledAt, options.build(index), false);
  const attempt = (
    index: number,
    scheduledAt: number,
    spec: ReturnType<OpenLoopOptions<T>['build']>,
    retried: boolean,
  ): Promise<RequestOutcome<T>> =>
    new Promise((resolve) => {
      const sentAt = performance.now();
      const done = (
        status: number,
        body: T | undefined,
        error?: string,
        headers?: IncomingHttpHeaders,
      ): void => {
        const outcome = {
          index,
          scheduledAt,
          sentAt,
          answeredAt: performance.now(),
          status,
          body,
          headers,
          error,
        };
        options.onOutcome?.(outcome);
        resolve(outcome);
      };
      const req = request(
        {
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: spec.method,
          headers: spec.body
            ? { ...spec.headers, 'content-length': String(Buffer.byteLength(spec.body)) }
            : spec.headers,
          agent,
          timeout: options.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            let body: T | undefined;
            try {
              body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as T) : undefined;
            } catch {
              body = undefined;
            }
            done(res.statusCode ?? 0, body, undefined, res.headers);
          });
          res.on('error', (error) => done(0, undefined, error.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed just as the request went out: the request never
        // reached it, so a browser sends it again once, and so does this client (Node's docs on
        // `request.reusedSocket`).
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET') {
          resolve(attempt(index, scheduledAt, spec, true));
          return;
        }
        done(0, undefined, error.message);
      });
      req.end(spec.body);
    });

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        const scheduledAt = start + next * interval;
        maxSendLagMs = Math.max(maxSendLagMs, now - scheduledAt);
        lastSentAt = scheduledAt;
        if (inFlight >= maxInFlight) {
          shed += 1;
          const outcome = {
            index: next,
            scheduledAt,
            sentAt: now,
            answeredAt: now,
            status: 0,
            body: undefined,
            error: SHED,
          };
          options.onOutcome?.(outcome);
          pending.push(Promise.resolve(outcome));
        } else {
          inFlight += 1;
          pending.push(
            send(next, scheduledAt).finally(() => {
              inFlight -= 1;
            }),
          );
        }
        next += 1;
      }
      if (next >= total) {
        resolve();
        return;
      }
      const wait = Math.max(0, start + next * interval - performance.now());
      setTimeout(tick, Math.min(wait, 50));
    };
    setTimeout(tick, 20);
  });
  const outcomes = await Promise.all(pending);
  if (!options.agent) agent.destroy();
  return {
    outcomes,
    scheduled: total,
    sendWindowSeconds: Math.max(interval, lastSentAt - start + interval) / 1000,
    maxSendLagMs: Math.round(maxSendLagMs),
    shed,
  };
}

/** How many requests ended how: by HTTP status, or `error:<reason>` for those never answered. */
export function statusCounts(outcomes: readonly RequestOutcome<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.status === 0 ? `error:${o.error ?? 'unknown'}` : String(o.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
