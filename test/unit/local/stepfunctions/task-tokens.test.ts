import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STEP_FUNCTIONS_LIMITS } from '../../../../lib/config/aws-rules';
import {
  InvalidOutputError,
  InvalidTokenError,
  TaskDoesNotExistError,
  TaskTimedOutError,
} from '../../../../local/stepfunctions/errors';
import { TaskTokenRegistry } from '../../../../local/stepfunctions/task-tokens';

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:saga:order-1';

describe('TaskTokenRegistry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('mints a distinct token per task and resolves with the parsed SendTaskSuccess output', async () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const first = registry.open({ executionArn: EXECUTION, stateName: 'ReserveInventory' });
    const second = registry.open({ executionArn: EXECUTION, stateName: 'ReserveInventory' });

    // Act
    registry.succeed(first.token, '{"reserved":true}');

    // Assess
    expect(first.token).not.toBe(second.token);
    await expect(first.result).resolves.toEqual({ reserved: true });
    expect(registry.pendingCount).toBe(1);
  });

  it('rejects with the error name and cause of SendTaskFailure', async () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const task = registry.open({ executionArn: EXECUTION, stateName: 'ProcessPayment' });

    // Act
    registry.fail(task.token, 'PaymentDeclined', 'card declined');

    // Assess
    await expect(task.result).rejects.toMatchObject({ name: 'PaymentDeclined', message: 'card declined' });
  });

  it('times out with States.Timeout at TimeoutSeconds and then answers TaskTimedOut', async () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const task = registry.open({ executionArn: EXECUTION, stateName: 'ProcessPayment', timeoutSeconds: 10 });

    // Act
    vi.advanceTimersByTime(9_999);
    const pendingBefore = registry.pendingCount;
    vi.advanceTimersByTime(1);

    // Assess
    expect(pendingBefore).toBe(1);
    await expect(task.result).rejects.toMatchObject({ name: 'States.Timeout' });
    expect(() => registry.succeed(task.token, '{}')).toThrow(TaskTimedOutError);
  });

  it('times out with States.HeartbeatTimeout when no heartbeat comes within HeartbeatSeconds', async () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const task = registry.open({
      executionArn: EXECUTION,
      stateName: 'ProcessPayment',
      timeoutSeconds: 10,
      heartbeatSeconds: 8,
    });

    // Act
    vi.advanceTimersByTime(8_000);

    // Assess
    await expect(task.result).rejects.toMatchObject({ name: 'States.HeartbeatTimeout' });
    expect(() => registry.heartbeat(task.token)).toThrow(TaskTimedOutError);
  });

  it('restarts the heartbeat window on SendTaskHeartbeat, but never beyond TimeoutSeconds', async () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const task = registry.open({
      executionArn: EXECUTION,
      stateName: 'ConfirmOrder',
      timeoutSeconds: 3,
      heartbeatSeconds: 2,
    });

    // Act: a heartbeat at 1.5 s carries the task past the first 2 s window
    vi.advanceTimersByTime(1_500);
    registry.heartbeat(task.token);
    vi.advanceTimersByTime(1_000);
    const pendingAt2500 = registry.pendingCount;
    registry.heartbeat(task.token);
    vi.advanceTimersByTime(500);

    // Assess
    expect(pendingAt2500).toBe(1);
    await expect(task.result).rejects.toMatchObject({ name: 'States.Timeout' });
  });

  it('tells a foreign token from a local one it never issued', () => {
    // Prepare
    const registry = new TaskTokenRegistry();

    // Act
    const foreign = () => registry.succeed('not-a-local-token', '{}');
    const unknownLocal = () => registry.heartbeat('AQLocalIssuedBeforeARestart');

    // Assess
    expect(foreign).toThrow(InvalidTokenError);
    expect(unknownLocal).toThrow(TaskDoesNotExistError);
  });

  it('refuses output that is not JSON and keeps the task open', async () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const task = registry.open({ executionArn: EXECUTION, stateName: 'ReserveInventory' });

    // Act
    const invalid = () => registry.succeed(task.token, '{not json');
    registry.succeed(task.token, '"ok"');

    // Assess
    expect(invalid).toThrow(InvalidOutputError);
    await expect(task.result).resolves.toBe('ok');
  });

  it('checks the task token length of the API model before looking the token up', () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const tooLong = `AQLocal${'x'.repeat(STEP_FUNCTIONS_LIMITS.taskTokenMaxLength)}`;
    const longest = `AQLocal${'x'.repeat(STEP_FUNCTIONS_LIMITS.taskTokenMaxLength - 7)}`;

    // Act
    const overLimit = () => registry.heartbeat(tooLong);
    const empty = () => registry.fail('');
    const missing = () => registry.succeed(undefined, '{}');
    const atLimit = () => registry.heartbeat(longest);

    // Assess
    expect(overLimit).toThrow(
      `1 validation error detected: Value '${tooLong}' at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    );
    expect(empty).toThrow(
      "Value '' at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(missing).toThrow(
      "Value null at 'taskToken' failed to satisfy constraint: Member must not be null",
    );
    // Within the model, the token is looked up: unknown to this process.
    expect(atLimit).toThrow(TaskDoesNotExistError);
  });

  it('refuses SendTaskSuccess output over 256 KiB and keeps the task open', async () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const task = registry.open({ executionArn: EXECUTION, stateName: 'ReserveInventory' });
    const atLimit = JSON.stringify('x'.repeat(STEP_FUNCTIONS_LIMITS.payloadMaxBytes - 2));

    // Act
    const overLimit = () => registry.succeed(task.token, `${atLimit} `);
    registry.succeed(task.token, atLimit);

    // Assess
    expect(overLimit).toThrow(
      "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have size less than or equal to 262144 bytes in UTF-8 encoding",
    );
    await expect(task.result).resolves.toHaveLength(STEP_FUNCTIONS_LIMITS.payloadMaxBytes - 2);
  });

  it('closes the tasks of one execution when it ends, leaving the others', async () => {
    // Prepare
    const registry = new TaskTokenRegistry();
    const ending = registry.open({
      executionArn: EXECUTION,
      stateName: 'ReserveInventory',
      timeoutSeconds: 5,
    });
    const other = registry.open({ executionArn: `${EXECUTION}-2`, stateName: 'ReserveInventory' });

    // Act
    registry.cancelExecution(EXECUTION, new Error('execution ended'));

    // Assess
    await expect(ending.result).rejects.toThrow('execution ended');
    expect(registry.pendingTasks().map((task) => task.token)).toEqual([other.token]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
