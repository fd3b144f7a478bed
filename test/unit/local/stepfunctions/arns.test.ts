import { describe, expect, it } from 'vitest';
import { executionArnFor, functionNameOf } from '../../../../local/stepfunctions/arns';

describe('functionNameOf', () => {
  it.each([
    ['saga-publisher', 'saga-publisher'],
    ['arn:aws:lambda:us-east-1:000000000000:function:saga-publisher', 'saga-publisher'],
    ['arn:aws:lambda:us-east-1:000000000000:function:saga-publisher:live', 'saga-publisher'],
    ['000000000000:function:saga-publisher', 'saga-publisher'],
    ['saga-publisher:live', 'saga-publisher'],
  ])('reduces %s to the function name', (nameOrArn, expected) => {
    // Act
    const name = functionNameOf(nameOrArn);

    // Assess
    expect(name).toBe(expected);
  });
});

describe('executionArnFor', () => {
  it('builds the execution ARN AWS would give, and refuses what is not a state machine ARN', () => {
    // Act
    const arn = executionArnFor(
      'arn:aws:states:us-east-1:000000000000:stateMachine:dev-order-saga',
      'order-1',
    );
    const invalid = () => executionArnFor('dev-order-saga', 'order-1');

    // Assess
    expect(arn).toBe('arn:aws:states:us-east-1:000000000000:execution:dev-order-saga:order-1');
    expect(invalid).toThrow(/Invalid Arn/);
  });
});
