import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STEP_FUNCTIONS_LIMITS } from '../../../../lib/config/aws-rules';
import {
  ExecutionAlreadyExistsError,
  InvalidExecutionInputError,
  InvalidNameError,
  StateMachineDoesNotExistError,
  ValidationError,
} from '../../../../local/stepfunctions/errors';
import {
  type ExecutionEndedEvent,
  LocalStepFunctions,
  type StateMachineSource,
} from '../../../../local/stepfunctions/service';
import type { InvokeFunction } from '../../../../local/stepfunctions/task-handlers';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-saga';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:publisher';

/** One callback step whose catchers show which errors reach which state. */
function callbackMachine(heartbeatSeconds = 1): StateMachineSource {
  return {
    stateMachineArn: STATE_MACHINE_ARN,
    definition: {
      StartAt: 'Reserve',
      States: {
        Reserve: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: {
            FunctionName: FUNCTION_ARN,
            Payload: { 'order.$': '$', 'taskToken.$': '$$.Task.Token' },
          },
          TimeoutSeconds: 5,
          HeartbeatSeconds: heartbeatSeconds,
          ResultPath: '$.reservation',
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'TaskFailed' },
            { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Other' },
          ],
          End: true,
        },
        TaskFailed: { Type: 'Fail', Error: 'CaughtAsTaskFailed' },
        Other: { Type: 'Fail', Error: 'CaughtAsOther' },
      },
    },
  };
}

function plainMachine(): StateMachineSource {
  return {
    stateMachineArn: STATE_MACHINE_ARN,
    definition: {
      StartAt: 'Invoke',
      States: {
        Invoke: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
          ResultSelector: { 'body.$': '$.Payload', 'status.$': '$.StatusCode' },
          Next: 'Direct',
        },
        Direct: { Type: 'Task', Resource: FUNCTION_ARN, End: true },
      },
    },
  };
}

describe('LocalStepFunctions', () => {
  const services: LocalStepFunctions[] = [];
  afterEach(async () => {
    for (const service of services.splice(0)) await service.close();
  });

  async function create(
    machine: StateMachineSource,
    invokeFunction: InvokeFunction,
  ): Promise<LocalStepFunctions> {
    const service = await LocalStepFunctions.create({ stateMachines: [machine], invokeFunction });
    services.push(service);
    return service;
  }

  it('answers concurrent starts with the same name and input with one execution', async () => {
    // Prepare
    const invocations: unknown[] = [];
    const service = await create(callbackMachine(), async (_name, payload) => {
      invocations.push(payload);
      return null;
    });
    const request = { stateMachineArn: STATE_MACHINE_ARN, name: 'order-1', input: '{"orderId":"order-1"}' };

    // Act
    const [first, second] = await Promise.all([
      service.startExecution(request),
      service.startExecution(request),
    ]);
    const otherInput = service.startExecution({ ...request, input: '{"orderId":"other"}' });

    // Assess
    expect(second).toEqual(first);
    await expect(otherInput).rejects.toBeInstanceOf(ExecutionAlreadyExistsError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(invocations).toHaveLength(1);
  });

  it('refuses a finished execution name even with the same input', async () => {
    // Prepare
    const service = await create(plainMachine(), async () => ({ ok: true }));
    const request = { stateMachineArn: STATE_MACHINE_ARN, name: 'order-2', input: '{}' };
    const { executionArn } = await service.startExecution(request);
    await service.waitForExecution(executionArn);

    // Act
    const again = service.startExecution(request);

    // Assess
    await expect(again).rejects.toBeInstanceOf(ExecutionAlreadyExistsError);
  });

  it('validates names and state machines as AWS does', async () => {
    // Prepare
    const service = await create(plainMachine(), async () => null);

    // Act
    const badName = service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, name: 'order 1' });
    const unknown = service.startExecution({ stateMachineArn: `${STATE_MACHINE_ARN}-v2` });

    // Assess
    await expect(badName).rejects.toBeInstanceOf(InvalidNameError);
    await expect(unknown).rejects.toBeInstanceOf(StateMachineDoesNotExistError);
  });

  it.each([
    ['a space', 'order 1'],
    ['a colon', 'order:1'],
    ['a slash', 'order/1'],
    ['brackets', 'order[1]'],
    ['a wildcard', 'order*'],
    ['a hash', 'order#1'],
    ['a backtick', 'order`1'],
    ['a tab', 'order\t1'],
    ['a control character', 'order\u00011'],
    ['a C1 control character', 'order\u00851'],
  ])('refuses an execution name with %s as InvalidName', async (_case, name) => {
    // Prepare
    const service = await create(plainMachine(), async () => null);

    // Act
    const started = service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, name });

    // Assess
    await expect(started).rejects.toBeInstanceOf(InvalidNameError);
    await expect(started).rejects.toMatchObject({ code: 'InvalidName' });
  });

  it('refuses a name over 80 characters with a ValidationException, before looking up the machine', async () => {
    // Prepare
    const service = await create(plainMachine(), async () => null);
    const name = 'o'.repeat(STEP_FUNCTIONS_LIMITS.executionNameMaxLength + 1);

    // Act
    const started = service.startExecution({ stateMachineArn: `${STATE_MACHINE_ARN}-missing`, name });
    const longest = service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, name: name.slice(1) });

    // Assess
    await expect(started).rejects.toBeInstanceOf(ValidationError);
    await expect(started).rejects.toMatchObject({
      code: 'ValidationException',
      message: `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80`,
    });
    await expect(longest).resolves.toMatchObject({ executionArn: expect.stringContaining(name.slice(1)) });
  });

  it('refuses an execution input over 256 KiB with a ValidationException, and takes one at the limit', async () => {
    // Prepare
    const service = await create(plainMachine(), async () => null);
    const atLimit = JSON.stringify('x'.repeat(STEP_FUNCTIONS_LIMITS.payloadMaxBytes - 2));
    const overLimit = JSON.stringify('x'.repeat(STEP_FUNCTIONS_LIMITS.payloadMaxBytes - 1));

    // Act
    const refused = service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, input: overLimit });
    const accepted = service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, input: atLimit });
    const notJson = service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, input: '{' });

    // Assess
    await expect(refused).rejects.toMatchObject({
      code: 'ValidationException',
      message:
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have size less than or equal to 262144 bytes in UTF-8 encoding",
    });
    await expect(accepted).resolves.toMatchObject({ executionArn: expect.any(String) });
    await expect(notJson).rejects.toBeInstanceOf(InvalidExecutionInputError);
  });

  it('fails the execution with States.DataLimitExceeded when a task returns over 256 KiB, past any catcher', async () => {
    // Prepare: the saga catches States.ALL; AWS does not let it catch this one.
    const machine: StateMachineSource = {
      stateMachineArn: STATE_MACHINE_ARN,
      definition: {
        StartAt: 'Invoke',
        States: {
          Invoke: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
            Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 0 }],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Compensate' }],
            End: true,
          },
          Compensate: { Type: 'Pass', End: true },
        },
      },
    };
    let calls = 0;
    const service = await create(machine, async () => {
      calls += 1;
      return { blob: 'x'.repeat(STEP_FUNCTIONS_LIMITS.payloadMaxBytes) };
    });

    // Act
    const { executionArn } = await service.startExecution({ stateMachineArn: STATE_MACHINE_ARN });
    const record = await service.waitForExecution(executionArn);

    // Assess
    expect(record).toMatchObject({
      status: 'FAILED',
      error: 'States.DataLimitExceeded',
      cause:
        "The state/task 'Invoke' returned a result with a size exceeding the maximum number of bytes service limit.",
    });
    expect(calls).toBe(1);
  });

  it('wraps a lambda:invoke result like AWS and passes a function-ARN result through', async () => {
    // Prepare
    const calls: [string, unknown][] = [];
    const service = await create(plainMachine(), async (name, payload) => {
      calls.push([name, payload]);
      return { echoed: payload };
    });

    // Act
    const { executionArn } = await service.startExecution({
      stateMachineArn: STATE_MACHINE_ARN,
      input: '{"n":1}',
    });
    const record = await service.waitForExecution(executionArn);

    // Assess
    expect(record.status).toBe('SUCCEEDED');
    expect(calls.map(([name]) => name)).toEqual(['publisher', 'publisher']);
    expect(calls[1]![1]).toEqual({ body: { echoed: { n: 1 } }, status: 200 });
    expect(JSON.parse(record.output!)).toEqual({ echoed: { body: { echoed: { n: 1 } }, status: 200 } });
  });

  it('does not let States.TaskFailed catch a heartbeat timeout, but does catch a function error', async () => {
    // Prepare
    let fail = false;
    const service = await create(callbackMachine(1), async () => {
      if (fail) throw new TypeError('payload.order is undefined');
      return null;
    });

    // Act
    const silent = await service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, name: 'silent' });
    const timedOut = await service.waitForExecution(silent.executionArn);
    fail = true;
    const crashing = await service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, name: 'crashing' });
    const crashed = await service.waitForExecution(crashing.executionArn);

    // Assess
    expect(timedOut).toMatchObject({ status: 'FAILED', error: 'CaughtAsOther' });
    expect(crashed).toMatchObject({ status: 'FAILED', error: 'CaughtAsTaskFailed' });
  });

  it('puts the task token into the payload and completes the task with SendTaskSuccess', async () => {
    // Prepare
    let service!: LocalStepFunctions;
    service = await create(callbackMachine(), async (_name, payload) => {
      const { taskToken } = payload as { taskToken: string };
      setTimeout(() => service.sendTaskSuccess(taskToken, '{"reserved":2}'), 5);
      return null;
    });

    // Act
    const { executionArn } = await service.startExecution({
      stateMachineArn: STATE_MACHINE_ARN,
      input: '{"id":7}',
    });
    const record = await service.waitForExecution(executionArn);

    // Assess
    expect(JSON.parse(record.output!)).toEqual({ id: 7, reservation: { reserved: 2 } });
  });

  it('counts executions by outcome and reports each end with its duration', async () => {
    // Prepare
    const service = await create(plainMachine(), async (_name, payload) => {
      if ((payload as { fail?: boolean }).fail) throw new Error('boom');
      return null;
    });
    const ended: ExecutionEndedEvent[] = [];
    service.on('executionEnded', (event) => ended.push(event));

    // Act
    const ok = await service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, input: '{}' });
    const ko = await service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, input: '{"fail":true}' });
    await Promise.all([service.waitForExecution(ok.executionArn), service.waitForExecution(ko.executionArn)]);

    // Assess
    expect(service.counts()).toMatchObject({ started: 2, succeeded: 1, failed: 1, running: 0, timedOut: 0 });
    expect(ended.map((event) => event.record.status).sort()).toEqual(['FAILED', 'SUCCEEDED']);
    expect(ended.every((event) => event.durationMs >= 0)).toBe(true);
    expect(service.describeExecution(ko.executionArn)).toMatchObject({ error: 'Error' });
  });

  it('stops a running execution as ABORTED and closes its task token', async () => {
    // Prepare
    const tokens: string[] = [];
    const service = await create(callbackMachine(60), async (_name, payload) => {
      tokens.push((payload as { taskToken: string }).taskToken);
      return null;
    });
    const { executionArn } = await service.startExecution({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'stopped',
    });
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Act
    await service.stopExecution(executionArn, 'Operator', 'cancelled by a test');

    // Assess
    expect(service.describeExecution(executionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'cancelled by a test',
    });
    expect(() => service.sendTaskSuccess(tokens[0], '{}')).toThrow(/Task Timed Out/);
    expect(service.tokens.pendingCount).toBe(0);
  });

  describe('across a restart', () => {
    const dirs: string[] = [];
    afterEach(async () => {
      // Close first: an open service may still be appending to the journal in the directory.
      for (const service of services.splice(0)) await service.close();
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    /** Place (plain invoke of `place`) -> Pay (callback on `pay`) -> Paid. */
    const twoStepMachine: StateMachineSource = {
      stateMachineArn: STATE_MACHINE_ARN,
      definition: {
        StartAt: 'Place',
        States: {
          Place: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:place',
            ResultPath: '$.placed',
            Next: 'Pay',
          },
          Pay: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: {
              FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:pay',
              Payload: { 'order.$': '$', 'taskToken.$': '$$.Task.Token' },
            },
            TimeoutSeconds: 60,
            ResultPath: '$.paid',
            Next: 'Paid',
          },
          Paid: { Type: 'Succeed' },
        },
      },
    };

    async function until(condition: () => boolean): Promise<void> {
      for (let waited = 0; !condition(); waited += 10) {
        if (waited > 5_000) throw new Error('condition not met within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('continues a RUNNING execution at the state it was in, with that state input, when asked to', async () => {
      // Prepare: the first process placed the order and waits on Pay when it stops.
      const dataDir = mkdtempSync(join(tmpdir(), 'sfn-unit-'));
      dirs.push(dataDir);
      const before: string[] = [];
      const first = await LocalStepFunctions.create({
        stateMachines: [twoStepMachine],
        dataDir,
        invokeFunction: async (name) => {
          before.push(name);
          return name === 'place' ? { id: 'p-1' } : null;
        },
      });
      const { executionArn } = await first.startExecution({
        stateMachineArn: STATE_MACHINE_ARN,
        name: 'order-1',
        input: '{"orderId":"o-1"}',
      });
      await until(() => before.includes('pay'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await first.close();

      // Act: the next process holds the execution back until its functions are ready.
      const after: { name: string; payload: unknown }[] = [];
      let second!: LocalStepFunctions;
      second = await LocalStepFunctions.create({
        stateMachines: [twoStepMachine],
        dataDir,
        resumeRestored: 'on-request',
        invokeFunction: async (name, payload) => {
          after.push({ name, payload });
          const { taskToken } = payload as { taskToken: string };
          setTimeout(() => second.sendTaskSuccess(taskToken, '{"status":"CHARGED"}'), 5);
          return null;
        },
      });
      services.push(second);
      await new Promise((resolve) => setTimeout(resolve, 30));
      const heldBack = after.length;
      second.resumeRestoredExecutions();
      const record = await second.waitForExecution(executionArn);

      // Assess: Place did not run again; Pay got the input it had before the stop.
      expect(heldBack).toBe(0);
      expect(after.map((call) => call.name)).toEqual(['pay']);
      expect(after[0]!.payload).toMatchObject({ order: { orderId: 'o-1', placed: { id: 'p-1' } } });
      expect(record).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      expect(JSON.parse(record.output!)).toEqual({
        orderId: 'o-1',
        placed: { id: 'p-1' },
        paid: { status: 'CHARGED' },
      });
    });

    it('keeps a finished execution finished, and starts from the top one that entered no state', async () => {
      // Prepare: one execution ends; a journal line of one that never got going is added.
      const dataDir = mkdtempSync(join(tmpdir(), 'sfn-unit-'));
      dirs.push(dataDir);
      const first = await LocalStepFunctions.create({
        stateMachines: [plainMachine()],
        dataDir,
        invokeFunction: async () => null,
      });
      const done = await first.startExecution({ stateMachineArn: STATE_MACHINE_ARN, name: 'done' });
      await first.waitForExecution(done.executionArn);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await first.close();
      const fresh = done.executionArn.replace(/:done$/, ':fresh');
      appendFileSync(
        join(dataDir, 'executions.jsonl'),
        `${JSON.stringify({ executionArn: fresh, stateMachineArn: STATE_MACHINE_ARN, name: 'fresh', input: '{"n":1}', status: 'RUNNING', startDate: Date.now(), redriveCount: 0 })}\n`,
      );

      // Act
      const invoked: string[] = [];
      const restarted = await LocalStepFunctions.create({
        stateMachines: [plainMachine()],
        dataDir,
        invokeFunction: async (name) => {
          invoked.push(name);
          return null;
        },
      });
      services.push(restarted);
      const freshRecord = await restarted.waitForExecution(fresh);

      // Assess: the finished one is not run again; the other ran from its first state.
      expect(restarted.describeExecution(done.executionArn)).toMatchObject({
        status: 'SUCCEEDED',
        redriveCount: 0,
      });
      expect(freshRecord).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      expect(invoked).toEqual(['publisher', 'publisher']);
    });
  });
});
