import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FunctionInvocationError,
  FunctionNotInvocableError,
  FunctionTimeoutError,
  UnknownFunctionError,
} from '../../../../local/runtime/errors';
import { type LambdaApiServer, startLambdaApi } from '../../../../local/runtime/lambda-api';

let server: LambdaApiServer | undefined;
let client: LambdaClient | undefined;

afterEach(async () => {
  client?.destroy();
  await server?.close();
  server = undefined;
  client = undefined;
});

/** The local endpoint with `invoke` behind it, and the real SDK client pointed at it. */
async function endpointWith(invoke: (functionName: string, event: unknown) => Promise<unknown>) {
  server = await startLambdaApi({ port: 0, invoke });
  client = new LambdaClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return client;
}

const payloadOf = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString('utf8'));

describe('local Lambda Invoke endpoint', () => {
  it('runs a RequestResponse invocation and answers the function result', async () => {
    // Prepare
    const calls: { functionName: string; event: unknown }[] = [];
    const lambda = await endpointWith(async (functionName, event) => {
      calls.push({ functionName, event });
      return { batchItemFailures: [] };
    });

    // Act
    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:loyalty-dev',
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify({ eventSource: 'aws:kafka', records: {} })),
      }),
    );

    // Assess
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBeUndefined();
    expect(payloadOf(answer.Payload)).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([
      {
        functionName: 'arn:aws:lambda:us-east-1:000000000000:function:loyalty-dev',
        event: { eventSource: 'aws:kafka', records: {} },
      },
    ]);
  });

  it('answers 404 ResourceNotFoundException for a function that does not exist', async () => {
    // Prepare
    const lambda = await endpointWith(async () => {
      throw new UnknownFunctionError("No local function 'nobody'");
    });

    // Act
    const invocation = lambda.send(new InvokeCommand({ FunctionName: 'nobody', Payload: Buffer.from('{}') }));

    // Assess
    await expect(invocation).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(invocation).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
      message: 'Function not found: nobody',
    });
  });

  it('answers a function error as Lambda does: 200, X-Amz-Function-Error Unhandled and the error payload', async () => {
    // Prepare
    const lambda = await endpointWith(async () => {
      throw new FunctionInvocationError(
        'loyalty-dev',
        'TypeError',
        "Cannot read properties of undefined (reading 'total')",
      );
    });

    // Act
    const answer = await lambda.send(
      new InvokeCommand({ FunctionName: 'loyalty-dev', Payload: Buffer.from('{}') }),
    );

    // Assess
    expect(answer.StatusCode).toBe(200);
    expect(answer.FunctionError).toBe('Unhandled');
    expect(payloadOf(answer.Payload)).toEqual({
      errorType: 'TypeError',
      errorMessage: "Cannot read properties of undefined (reading 'total')",
    });
  });

  it('answers a timed-out invocation as a function error', async () => {
    // Prepare
    const lambda = await endpointWith(async () => {
      throw new FunctionTimeoutError('loyalty-dev', 30);
    });

    // Act
    const answer = await lambda.send(
      new InvokeCommand({ FunctionName: 'loyalty-dev', Payload: Buffer.from('{}') }),
    );

    // Assess
    expect(answer.FunctionError).toBe('Unhandled');
    expect(payloadOf(answer.Payload)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 30.00 seconds',
    });
  });

  it('refuses, with the reason, a function that runs in the consumer child process', async () => {
    // Prepare
    const lambda = await endpointWith(async () => {
      throw new FunctionNotInvocableError('Function loyalty-dev runs in the consumer child process');
    });

    // Act
    const invocation = lambda.send(
      new InvokeCommand({ FunctionName: 'loyalty-dev', Payload: Buffer.from('{}') }),
    );

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'ResourceConflictException',
      $metadata: { httpStatusCode: 409 },
      message: 'Function loyalty-dev runs in the consumer child process',
    });
  });

  it('refuses the invocation types it does not serve instead of running them synchronously', async () => {
    // Prepare
    let invoked = false;
    const lambda = await endpointWith(async () => {
      invoked = true;
      return null;
    });

    // Act
    const invocation = lambda.send(
      new InvokeCommand({ FunctionName: 'loyalty-dev', InvocationType: 'Event', Payload: Buffer.from('{}') }),
    );

    // Assess
    await expect(invocation).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    expect(invoked).toBe(false);
  });
});
