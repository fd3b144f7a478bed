import { describe, expect, it } from 'vitest';
import { toTaskFailure } from '../../../../local/stepfunctions/lambda-errors';

describe('toTaskFailure', () => {
  it('names the failure by the error type and gives the Lambda error document as the cause', () => {
    // Prepare
    const error = new Error('broker not available');
    error.name = 'TransientFailure';

    // Act
    const failure = toTaskFailure(error);

    // Assess
    expect(failure.name).toBe('TransientFailure');
    expect(JSON.parse(failure.message)).toMatchObject({
      errorType: 'TransientFailure',
      errorMessage: 'broker not available',
    });
  });

  it('passes Lambda service errors through and reports errors without a type as Lambda.Unknown', () => {
    // Prepare
    const throttled = new Error('Rate exceeded');
    throttled.name = 'Lambda.TooManyRequestsException';

    // Act
    const service = toTaskFailure(throttled);
    const unknown = toTaskFailure('worker exited with code 1');

    // Assess
    expect(service).toMatchObject({ name: 'Lambda.TooManyRequestsException', message: 'Rate exceeded' });
    expect(unknown.name).toBe('Lambda.Unknown');
    expect(unknown.message).toContain('worker exited with code 1');
  });
});
