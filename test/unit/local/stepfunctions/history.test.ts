import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions, type StateMachineSource } from '../../../../local/stepfunctions/service';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:history-saga';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:publisher';

/** A task retried once on a transient error, then caught on a business one. */
function retryingMachine(): StateMachineSource {
  return {
    stateMachineArn: STATE_MACHINE_ARN,
    definition: {
      StartAt: 'Charge',
      States: {
        Charge: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
          Retry: [{ ErrorEquals: ['TransientFailure'], IntervalSeconds: 1, MaxAttempts: 1 }],
          Catch: [{ ErrorEquals: ['PaymentDeclined'], ResultPath: '$.error', Next: 'Refund' }],
          End: true,
        },
        Refund: { Type: 'Pass', End: true },
      },
    },
  };
}

function failure(name: string): Error {
  const error = new Error(`${name} from the card processor`);
  error.name = name;
  return error;
}

describe('execution history of the local Step Functions', () => {
  const services: LocalStepFunctions[] = [];
  afterEach(async () => {
    for (const service of services.splice(0)) await service.close();
  });

  it('schedules every attempt of a task, so a retry is told apart from a catch', async () => {
    // Prepare
    const answers = [failure('TransientFailure'), failure('PaymentDeclined')];
    const service = await LocalStepFunctions.create({
      stateMachines: [retryingMachine()],
      invokeFunction: async () => {
        throw answers.shift();
      },
    });
    services.push(service);
    const { executionArn } = await service.startExecution({
      stateMachineArn: STATE_MACHINE_ARN,
      name: 'order-retried',
      input: '{}',
    });
    await service.waitForExecution(executionArn);

    // Act: the history trails the status by the engine's event log, a few ticks at most
    let { events } = service.getExecutionHistory({ executionArn });
    for (let tick = 0; tick < 100 && events.at(-1)?.type !== 'ExecutionSucceeded'; tick += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      ({ events } = service.getExecutionHistory({ executionArn }));
    }

    // Assess
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskFailed',
      'TaskScheduled',
      'TaskFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    const [firstFailure, secondFailure] = events.filter((event) => event.type === 'TaskFailed');
    expect(firstFailure?.taskFailedEventDetails).toMatchObject({ error: 'TransientFailure' });
    expect(secondFailure?.taskFailedEventDetails).toMatchObject({ error: 'PaymentDeclined' });
    const [firstAttempt, retry] = events.filter((event) => event.type === 'TaskScheduled');
    expect(retry!.timestamp - firstAttempt!.timestamp).toBeGreaterThanOrEqual(900);
  });
});
