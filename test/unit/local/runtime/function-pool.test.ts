import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_SYNC_REQUEST_MAX_BYTES } from '../../../../lib/config/aws-rules';
import { loadTemplate } from '../../../../local/runtime/cfn-template';
import {
  FunctionInvocationError,
  FunctionTimeoutError,
  RequestEntityTooLargeError,
  UnknownFunctionError,
} from '../../../../local/runtime/errors';
import { FunctionPool } from '../../../../local/runtime/function-pool';
import { LocalResolver } from '../../../../local/runtime/local-resources';
import { readFunctions } from '../../../../local/runtime/template';

const FIXTURES = resolve(__dirname, '../../../fixtures');

interface EchoResult {
  event: unknown;
  env: { FOO?: string; AWS_LAMBDA_FUNCTION_NAME?: string };
  context: {
    awsRequestId: string;
    functionName: string;
    invokedFunctionArn: string;
    memoryLimitInMB: string;
    remainingMs: number;
  };
}

interface PlatformEvent {
  type: string;
  record: {
    requestId: string;
    status?: string;
    metrics?: { durationMs: number; billedDurationMs: number; memorySizeMB: number };
  };
}

describe('FunctionPool', () => {
  let pool: FunctionPool;
  const logLines: string[] = [];

  beforeAll(() => {
    const template = loadTemplate(resolve(FIXTURES, 'templates/app-handlers.json'));
    const { functions } = readFunctions(
      template,
      new LocalResolver(template, { kafkaBrokers: ['127.0.0.1:9092'] }),
      {
        entryOverrides: {
          echoOne: resolve(FIXTURES, 'handlers/echo.ts'),
          echoTwo: resolve(FIXTURES, 'handlers/echo.ts'),
          slow: resolve(FIXTURES, 'handlers/slow.ts'),
          failing: resolve(FIXTURES, 'handlers/failing.ts'),
        },
      },
    );
    pool = new FunctionPool({
      functions,
      sharedEnvironment: { FOO: 'shared' },
      concurrency: 1,
      log: (name, _stream, line) => logLines.push(`${name}: ${line}`),
    });
  });

  afterAll(async () => {
    await pool.close();
  });

  it('warms one environment per function so the first invocation skips the init phase', async () => {
    // Act
    const failures = await pool.warm();
    const started = performance.now();
    await pool.invoke('echoOne', {});

    // Assess
    expect(failures).toEqual({});
    expect(pool.stats().map((stats) => stats.environments)).toEqual([1, 1, 1, 1]);
    expect(performance.now() - started).toBeLessThan(500);
  }, 30_000);

  it('runs each function with its own environment and a Lambda-like context', async () => {
    // Act
    const [one, two] = (await Promise.all([
      pool.invoke('echoOne', { hello: 1 }),
      pool.invoke('EchoTwoFn', { hello: 2 }),
    ])) as [EchoResult, EchoResult];

    // Assess
    expect(one.event).toEqual({ hello: 1 });
    expect(one.env).toEqual({ FOO: 'one', AWS_LAMBDA_FUNCTION_NAME: 'echoOne' });
    expect(two.env).toEqual({ FOO: 'two', AWS_LAMBDA_FUNCTION_NAME: 'echoTwo' });
    expect(one.context).toMatchObject({
      functionName: 'echoOne',
      invokedFunctionArn: 'arn:aws:lambda:eu-central-1:000000000000:function:echoOne',
      memoryLimitInMB: '256',
    });
    expect(two.context.memoryLimitInMB).toBe('512');
    expect(one.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(one.context.remainingMs).toBeGreaterThan(0);
    expect(one.context.remainingMs).toBeLessThanOrEqual(3000);
    expect(process.env.FOO).toBeUndefined();
  });

  it('accepts the function ARN, as the Step Functions emulator passes it', async () => {
    // Act
    const result = (await pool.invoke('arn:aws:lambda:eu-central-1:000000000000:function:echoOne:$LATEST', {
      via: 'arn',
    })) as EchoResult;

    // Assess
    expect(result.event).toEqual({ via: 'arn' });
  });

  it('rejects with the handler error type as the error name', async () => {
    // Act
    const outcome = pool.invoke('failing', { sku: 'SKU-LAST' });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(FunctionInvocationError);
    await expect(outcome).rejects.toMatchObject({
      name: 'OutOfStock',
      errorType: 'OutOfStock',
      message: 'SKU SKU-LAST is out of stock',
    });
  });

  it('ends an invocation at the function timeout and starts a fresh sandbox afterwards', async () => {
    // Prepare
    const started = Date.now();

    // Act
    const timedOut = pool.invoke('slow', { waitMs: 5_000 });

    // Assess
    await expect(timedOut).rejects.toBeInstanceOf(FunctionTimeoutError);
    await expect(timedOut).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(pool.invoke('slow', { waitMs: 10 })).resolves.toEqual({ waited: 10 });
    expect(pool.stats().find((s) => s.functionName === 'slow')).toMatchObject({
      timeouts: 1,
      invocations: 2,
    });
  });

  it("writes Lambda's platform.start and platform.report events, the report with its billed duration and status", async () => {
    // Prepare
    const platformEvents = () =>
      logLines
        .filter((line) => line.startsWith('slow: {"time"'))
        .map((line) => JSON.parse(line.slice('slow: '.length)) as PlatformEvent);
    const before = platformEvents().length;

    // Act
    await pool.invoke('slow', { waitMs: 120 });
    await pool.invoke('failing', { sku: 'SKU-LAST' }).catch(() => undefined);

    // Assess
    const [start, report] = platformEvents().slice(before);
    expect(start).toMatchObject({ type: 'platform.start', record: { version: '$LATEST' } });
    expect(report).toMatchObject({
      type: 'platform.report',
      record: { requestId: start?.record.requestId, status: 'success' },
    });
    const metrics = report?.record.metrics;
    expect(metrics?.durationMs).toBeGreaterThanOrEqual(119);
    expect(metrics?.billedDurationMs).toBe(Math.ceil(metrics?.durationMs ?? 0));
    expect(metrics?.memorySizeMB).toBe(256);
    const failed = logLines.filter((line) => line.startsWith('failing: {"time"')).at(-1);
    expect(JSON.parse(failed?.slice('failing: '.length) ?? '{}')).toMatchObject({
      type: 'platform.report',
      record: { status: 'error' },
    });
  });

  it('queues invocations beyond the pool size instead of running them in parallel', async () => {
    // Act
    const started = Date.now();
    await Promise.all([pool.invoke('slow', { waitMs: 300 }), pool.invoke('slow', { waitMs: 300 })]);

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(590);
  });

  it('refuses a request over 6 MB without running the function, as Lambda does', async () => {
    // Prepare: a JSON string event one byte over the limit (the quotes count).
    const event = 'x'.repeat(LAMBDA_SYNC_REQUEST_MAX_BYTES - 1);
    const before = pool.stats().find((s) => s.functionName === 'echoOne')!.invocations;

    // Act
    const outcome = pool.invoke('echoOne', event);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(RequestEntityTooLargeError);
    await expect(outcome).rejects.toMatchObject({
      name: 'Lambda.RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    });
    expect(pool.stats().find((s) => s.functionName === 'echoOne')!.invocations).toBe(before);
  });

  it('fails an invocation whose response is over 6 MB with Function.ResponseSizeTooLarge', async () => {
    // Prepare: a request exactly at the limit; the echo adds its context and passes 6 MB.
    const event = 'x'.repeat(LAMBDA_SYNC_REQUEST_MAX_BYTES - 2);

    // Act
    const outcome = pool.invoke('echoOne', event);

    // Assess
    await expect(outcome).rejects.toMatchObject({
      name: 'Function.ResponseSizeTooLarge',
      message: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('names the known functions when asked for an unknown one', () => {
    // Act
    const act = () => pool.invoke('nope', {});

    // Assess
    expect(act).toThrow(UnknownFunctionError);
    expect(act).toThrow(/echoOne, echoTwo, slow, failing/);
  });
});
