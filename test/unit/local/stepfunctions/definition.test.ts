import { describe, expect, it } from 'vitest';
import { classifyTaskResource, prepareDefinition } from '../../../../local/stepfunctions/definition';
import { UnsupportedDefinitionError } from '../../../../local/stepfunctions/errors';
import { MAX_TIMER_SECONDS } from '../../../../local/stepfunctions/task-tokens';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:saga-publisher';

function callbackDefinition() {
  return {
    StartAt: 'ReserveInventory',
    States: {
      ReserveInventory: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: FUNCTION_ARN, Payload: { 'taskToken.$': '$$.Task.Token' } },
        TimeoutSeconds: 5,
        HeartbeatSeconds: 4,
        Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Done' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  };
}

describe('classifyTaskResource', () => {
  it('knows the three Lambda forms CDK renders, in any partition', () => {
    // Prepare
    const resources = [
      'arn:aws:states:::lambda:invoke',
      'arn:aws-cn:states:::lambda:invoke.waitForTaskToken',
      `${FUNCTION_ARN}:live`,
      'arn:aws:states:::dynamodb:putItem',
    ];

    // Act
    const kinds = resources.map(classifyTaskResource);

    // Assess
    expect(kinds).toEqual(['lambda-invoke', 'lambda-callback', 'lambda-function', undefined]);
  });
});

describe('prepareDefinition', () => {
  it('hands callback timeouts to the token registry and keeps the original for it', () => {
    // Prepare
    const source = callbackDefinition();

    // Act
    const prepared = prepareDefinition(JSON.stringify(source));

    // Assess
    const state = (prepared.definition.States as Record<string, Record<string, unknown>>).ReserveInventory!;
    expect(state.TimeoutSeconds).toBe(MAX_TIMER_SECONDS);
    expect(prepared.tasks.get('ReserveInventory')).toMatchObject({
      kind: 'lambda-callback',
      timeoutSeconds: 5,
      heartbeatSeconds: 4,
    });
  });

  it('lets a States.Timeout matcher also match States.HeartbeatTimeout, as in AWS', () => {
    // Prepare
    const source = callbackDefinition();

    // Act
    const prepared = prepareDefinition(source);

    // Assess
    const state = (prepared.definition.States as Record<string, { Catch: { ErrorEquals: string[] }[] }>)
      .ReserveInventory!;
    expect(state.Catch[0]!.ErrorEquals).toEqual(['States.Timeout', 'States.HeartbeatTimeout']);
    expect(source.States.ReserveInventory.Catch[0]!.ErrorEquals).toEqual(['States.Timeout']);
  });

  it('gives a plain Task without TimeoutSeconds the AWS default instead of the engine 60 s', () => {
    // Prepare
    const source = {
      StartAt: 'Publish',
      TimeoutSeconds: 99_999_999,
      States: { Publish: { Type: 'Task', Resource: FUNCTION_ARN, End: true } },
    };

    // Act
    const prepared = prepareDefinition(source);

    // Assess
    expect(prepared.definition.TimeoutSeconds).toBe(MAX_TIMER_SECONDS);
    expect(
      (prepared.definition.States as Record<string, Record<string, unknown>>).Publish!.TimeoutSeconds,
    ).toBe(MAX_TIMER_SECONDS);
  });

  it('finds Task states nested in Parallel branches and Map processors', () => {
    // Prepare
    const task = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true };
    const source = {
      StartAt: 'Fan',
      States: {
        Fan: { Type: 'Parallel', Branches: [{ StartAt: 'A', States: { A: task } }], Next: 'Each' },
        Each: { Type: 'Map', ItemProcessor: { StartAt: 'B', States: { B: task } }, End: true },
      },
    };

    // Act
    const prepared = prepareDefinition(source);

    // Assess
    expect([...prepared.tasks.keys()].sort()).toEqual(['A', 'B']);
  });

  it.each([
    ['JSONata', { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }],
    ['Assign', { StartAt: 'P', States: { P: { Type: 'Pass', Assign: { x: 1 }, End: true } } }],
    [
      'a non-Lambda integration',
      {
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
      },
    ],
    ['no States', { StartAt: 'P' }],
  ])('refuses %s, which the local engine would not run faithfully', (_what, source) => {
    // Act
    const prepare = () => prepareDefinition(source);

    // Assess
    expect(prepare).toThrow(UnsupportedDefinitionError);
  });
});
