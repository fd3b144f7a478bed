import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExecutionEndedEvent,
  type RunningLocalStepFunctions,
  startLocalStepFunctions,
} from '../../../../local/stepfunctions';
import { FakeSagaServices, sfnClient } from './fake-saga-services';
import { orderInput, sagaUnderTest } from './saga-under-test';

const saga = sagaUnderTest();

async function waitForEnd(client: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startOrder(client: SFNClient, orderId: string, paymentToken: string, sku?: string) {
  return client.send(
    new StartExecutionCommand({
      stateMachineArn: saga.stateMachineArn,
      name: orderId,
      input: orderInput(orderId, paymentToken, sku),
    }),
  );
}

describe('local Step Functions endpoint, driven by @aws-sdk/client-sfn', () => {
  const services = new FakeSagaServices();
  const ended: ExecutionEndedEvent[] = [];
  let running: RunningLocalStepFunctions;
  let client: SFNClient;

  beforeAll(async () => {
    running = await startLocalStepFunctions({
      port: 0,
      stateMachines: [saga],
      invokeFunction: services.invokeFunction,
    });
    running.service.on('executionEnded', (event) => ended.push(event));
    services.connect(running.endpoint);
    client = sfnClient(running.endpoint);
  });

  afterAll(async () => {
    services.stop();
    client.destroy();
    await running.close();
  });

  it('runs the happy path to OrderConfirmed through every callback step', async () => {
    // Prepare
    const orderId = 'a0000000-0000-4000-8000-000000000001';

    // Act
    const started = await startOrder(client, orderId, 'tok_approve');
    const described = await waitForEnd(client, started.executionArn!);

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    expect(JSON.parse(described.input!)).toMatchObject({ orderId, paymentToken: 'tok_approve' });
    const output = JSON.parse(described.output!);
    expect(output.results.processPayment).toEqual({ chargeId: `ch_${orderId}` });
    expect(services.stepsOf(orderId)).toEqual([
      'placeOrder',
      'reserveInventory',
      'processPayment',
      'confirmOrder',
    ]);
    expect(services.callsOf(orderId, 'placeOrder')[0]!.functionName).toBe('saga-publisher');
    const tokens = services.calls
      .filter((call) => call.event.order.orderId === orderId)
      .map((c) => c.event.taskToken);
    expect(tokens[0]).toBeUndefined();
    expect(new Set(tokens.slice(1)).size).toBe(3);
    expect(ended.find((event) => event.record.name === orderId)?.record.status).toBe('SUCCEEDED');
  });

  it('counts the API calls it serves per operation, for the per-order unit counts', async () => {
    // Prepare
    const orderId = 'a0000000-0000-4000-8000-0000000000c1';
    await fetch(`${running.endpoint}/_local/api-calls/reset`, { method: 'POST' });

    // Act
    const started = await startOrder(client, orderId, 'tok_approve');
    await waitForEnd(client, started.executionArn!);
    const counted = (await (await fetch(`${running.endpoint}/_local/api-calls`)).json()) as {
      operations: Record<string, number>;
    };

    // Assess
    expect(counted.operations.StartExecution).toBe(1);
    expect(counted.operations.SendTaskSuccess).toBe(3);
    expect(counted.operations.DescribeExecution).toBeGreaterThanOrEqual(1);
  });

  it('catches a declined payment and runs the compensations before failing the order', async () => {
    // Prepare
    const orderId = 'a0000000-0000-4000-8000-000000000002';

    // Act
    const started = await startOrder(client, orderId, 'tok_decline');
    const described = await waitForEnd(client, started.executionArn!);

    // Assess
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('OrderFailed');
    expect(services.stepsOf(orderId)).toEqual([
      'placeOrder',
      'reserveInventory',
      'processPayment',
      'refundCharge',
      'releaseStock',
      'failOrder',
    ]);
    const failOrder = services.callsOf(orderId, 'failOrder')[0]!.event;
    expect(failOrder.failure).toEqual({ reason: 'PAYMENT_DECLINED' });
    expect(failOrder.order).toMatchObject({ error: { Error: 'PaymentDeclined', Cause: 'card declined' } });
  });

  it('catches an out-of-stock answer as a business failure', async () => {
    // Prepare
    const orderId = 'a0000000-0000-4000-8000-000000000003';

    // Act
    const started = await startOrder(client, orderId, 'tok_approve', 'SKU-GONE');
    const described = await waitForEnd(client, started.executionArn!);

    // Assess
    expect(described.status).toBe('FAILED');
    expect(services.stepsOf(orderId)).toEqual([
      'placeOrder',
      'reserveInventory',
      'releaseStock',
      'failOrder',
    ]);
    expect(services.callsOf(orderId, 'failOrder')[0]!.event.failure).toEqual({ reason: 'OUT_OF_STOCK' });
  });

  it('times out a silent payment on its heartbeat, compensates, and refuses the late answer', async () => {
    // Prepare
    const orderId = 'a0000000-0000-4000-8000-000000000004';

    // Act
    const started = await startOrder(client, orderId, 'tok_timeout');
    const described = await waitForEnd(client, started.executionArn!);
    const lateToken = services.callsOf(orderId, 'processPayment')[0]!.event.taskToken!;
    const late = client.send(new SendTaskSuccessCommand({ taskToken: lateToken, output: '{}' }));

    // Assess
    expect(described.status).toBe('FAILED');
    const failOrder = services.callsOf(orderId, 'failOrder')[0]!.event;
    expect(failOrder.failure).toEqual({ reason: 'PAYMENT_TIMEOUT' });
    expect(failOrder.order).toMatchObject({ error: { Error: 'States.HeartbeatTimeout' } });
    await expect(late).rejects.toMatchObject({ name: 'TaskTimedOut', $metadata: { httpStatusCode: 400 } });
  });

  it('keeps a task alive while heartbeats arrive, beyond HeartbeatSeconds', async () => {
    // Prepare: heartbeats every 0.25 s for 2.5 s, HeartbeatSeconds is 1
    const orderId = 'a0000000-0000-4000-8000-000000000005';

    // Act
    const started = await startOrder(client, orderId, 'tok_slow_with_heartbeats');
    const described = await waitForEnd(client, started.executionArn!);

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!).results.processPayment).toEqual({ chargeId: 'slow' });
  });

  it('ends a task at TimeoutSeconds even while heartbeats keep coming', async () => {
    // Prepare: TimeoutSeconds of ProcessPayment is 4
    const orderId = 'a0000000-0000-4000-8000-000000000006';

    // Act
    const started = await startOrder(client, orderId, 'tok_heartbeats_forever');
    const described = await waitForEnd(client, started.executionArn!);

    // Assess
    expect(described.status).toBe('FAILED');
    const failOrder = services.callsOf(orderId, 'failOrder')[0]!.event;
    expect(failOrder.order).toMatchObject({ error: { Error: 'States.Timeout' } });
    expect(failOrder.failure).toEqual({ reason: 'PAYMENT_TIMEOUT' });
    expect(described.stopDate!.getTime() - described.startDate!.getTime()).toBeGreaterThanOrEqual(4000);
  });

  it('retries a publisher that fails transiently, as the Retry field says', async () => {
    // Prepare
    const orderId = 'a0000000-0000-4000-8000-000000000007';

    // Act
    const started = await startOrder(client, orderId, 'tok_flaky_publisher');
    const described = await waitForEnd(client, started.executionArn!);

    // Assess: three attempts of PlaceOrder (two TransientFailure), then the rest once each
    expect(described.status).toBe('SUCCEEDED');
    expect(services.callsOf(orderId, 'placeOrder')).toHaveLength(3);
  });

  it('treats the same name and input while running as the same execution, anything else as a conflict', async () => {
    // Prepare
    const orderId = 'a0000000-0000-4000-8000-000000000008';
    const first = await startOrder(client, orderId, 'tok_slow_with_heartbeats');

    // Act
    const repeated = await startOrder(client, orderId, 'tok_slow_with_heartbeats');
    const conflicting = startOrder(client, orderId, 'tok_approve');

    // Assess
    expect(repeated.executionArn).toBe(first.executionArn);
    expect(repeated.startDate).toEqual(first.startDate);
    await expect(conflicting).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
      $metadata: { httpStatusCode: 400 },
    });
    await waitForEnd(client, first.executionArn!);
    await expect(startOrder(client, orderId, 'tok_slow_with_heartbeats')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('answers AWS errors for unknown executions, state machines and tokens', async () => {
    // Prepare
    const unknownExecution = saga.stateMachineArn.replace(':stateMachine:', ':execution:') + ':nope';

    // Act
    const describeUnknown = client.send(new DescribeExecutionCommand({ executionArn: unknownExecution }));
    const startUnknown = client.send(
      new StartExecutionCommand({ stateMachineArn: `${saga.stateMachineArn}Nope`, input: '{}' }),
    );
    const badInput = client.send(
      new StartExecutionCommand({ stateMachineArn: saga.stateMachineArn, input: '{' }),
    );
    const foreignToken = client.send(new SendTaskSuccessCommand({ taskToken: 'not-ours', output: '{}' }));
    const staleToken = client.send(
      new SendTaskSuccessCommand({ taskToken: 'AQLocalFromAnotherRun', output: '{}' }),
    );
    const longName = client.send(
      new StartExecutionCommand({ stateMachineArn: saga.stateMachineArn, name: 'o'.repeat(81), input: '{}' }),
    );
    const largeInput = client.send(
      new StartExecutionCommand({
        stateMachineArn: saga.stateMachineArn,
        input: JSON.stringify('x'.repeat(262_144)),
      }),
    );
    const longToken = client.send(
      new SendTaskSuccessCommand({ taskToken: `AQLocal${'x'.repeat(2048)}`, output: '{}' }),
    );

    // Assess
    await expect(describeUnknown).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(startUnknown).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(badInput).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    await expect(foreignToken).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(staleToken).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    // The API model's constraints, answered as AWS answers them.
    await expect(longName).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'name' failed to satisfy constraint"),
    });
    await expect(largeInput).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('262144 bytes in UTF-8 encoding'),
    });
    await expect(longToken).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 2048'),
    });
  });

  it('lists executions by status and gives their state-by-state history', async () => {
    // Prepare
    const orderId = 'a0000000-0000-4000-8000-000000000009';
    const started = await startOrder(client, orderId, 'tok_approve');
    await waitForEnd(client, started.executionArn!);

    // Act
    const succeeded = await client.send(
      new ListExecutionsCommand({ stateMachineArn: saga.stateMachineArn, statusFilter: 'SUCCEEDED' }),
    );
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));

    // Assess
    expect(succeeded.executions!.map((execution) => execution.name)).toContain(orderId);
    expect(succeeded.executions!.every((execution) => execution.status === 'SUCCEEDED')).toBe(true);
    const types = history.events!.map((event) => event.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(
      history
        .events!.filter((event) => event.type === 'TaskStateEntered')
        .map((e) => e.stateEnteredEventDetails?.name),
    ).toEqual(['PlaceOrder', 'ReserveInventory', 'ProcessPayment', 'ConfirmOrder']);
    expect(history.events![0]!.timestamp).toBeInstanceOf(Date);
  });
});

describe('local Step Functions across a restart', () => {
  let dataDir: string;
  const opened: RunningLocalStepFunctions[] = [];
  const clients: SFNClient[] = [];
  const fakes: FakeSagaServices[] = [];
  const children: ChildProcess[] = [];

  async function start(services: FakeSagaServices): Promise<SFNClient> {
    const running = await startLocalStepFunctions({
      port: 0,
      dataDir,
      stateMachines: [saga],
      invokeFunction: services.invokeFunction,
    });
    opened.push(running);
    fakes.push(services);
    services.connect(running.endpoint);
    const client = sfnClient(running.endpoint);
    clients.push(client);
    return client;
  }

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'local-sfn-'));
  });

  afterEach(async () => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const services of fakes.splice(0)) services.stop();
    for (const client of clients.splice(0)) client.destroy();
    for (const running of opened.splice(0)) await running.close();
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('continues an execution that was RUNNING at the stop where it was, and still knows the finished ones', async () => {
    // Prepare: one order finishes, one waits on a reservation nobody answers when the process stops
    const beforeServices = new FakeSagaServices();
    const before = await start(beforeServices);
    const finished = await startOrder(before, 'b0000000-0000-4000-8000-000000000001', 'tok_approve');
    await waitForEnd(before, finished.executionArn!);
    const interrupted = await startOrder(
      before,
      'b0000000-0000-4000-8000-000000000002',
      'tok_approve',
      'SKU-SILENT',
    );
    const interruptedId = 'b0000000-0000-4000-8000-000000000002';
    for (let waited = 0; !beforeServices.stepsOf(interruptedId).includes('reserveInventory'); waited += 20) {
      if (waited > 10_000) throw new Error('the interrupted order never reached ReserveInventory');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The position is journaled from the engine's event log, a moment after the state is entered.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const running of opened.splice(0)) await running.close();

    // Act: the new process answers reservations normally
    const afterServices = new FakeSagaServices({ silentSkus: [] });
    const after = await start(afterServices);
    const resumed = await waitForEnd(after, interrupted.executionArn!);
    const finishedAfter = await after.send(
      new DescribeExecutionCommand({ executionArn: finished.executionArn }),
    );
    const reused = startOrder(after, 'b0000000-0000-4000-8000-000000000001', 'tok_approve');

    // Assess
    expect(resumed.status).toBe('SUCCEEDED');
    expect(resumed.redriveCount).toBe(1);
    expect(resumed.startDate).toEqual(interrupted.startDate);
    // Continued at the state it was in: ReserveInventory again (new token), PlaceOrder not again.
    expect(afterServices.stepsOf(interruptedId)[0]).toBe('reserveInventory');
    expect(finishedAfter.status).toBe('SUCCEEDED');
    expect(JSON.parse(finishedAfter.output!).results.processPayment).toBeDefined();
    await expect(reused).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });
  it('re-runs an accepted execution after the process was killed with SIGKILL', async () => {
    // Prepare: a separate process accepts the order, then dies without any chance to clean up
    // tsx as a loader of this very node process (its CLI would fork a grandchild the kill misses).
    const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, join(__dirname, 'sfn-process.ts'), dataDir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const endpoint = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const match = /READY (\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`sfn-process exited with ${code}`)));
    });
    const doomedClient = sfnClient(endpoint);
    const accepted = await startOrder(doomedClient, 'b0000000-0000-4000-8000-000000000003', 'tok_approve');
    doomedClient.destroy();
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;

    // Act
    const after = await start(new FakeSagaServices());
    const resumed = await waitForEnd(after, accepted.executionArn!);

    // Assess
    expect(resumed).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  });
});
