/**
 * SagaStarter on Step Functions. The execution name is the order id, so Step Functions itself
 * refuses a second saga for one order: ExecutionAlreadyExists is mapped by comparing the inputs.
 */

import { isDeepStrictEqual } from 'node:util';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SagaInput, SagaStarter, StartSagaResult } from '../ports/saga-starter';

export class SfnSagaStarter implements SagaStarter {
  public constructor(
    private readonly stateMachineArn: string,
    private readonly client: Pick<SFNClient, 'send'>,
  ) {}

  public async start(input: SagaInput): Promise<StartSagaResult> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: input.orderId,
          input: JSON.stringify(input),
        }),
      );
      return 'STARTED';
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
    }
    const existing = await this.client.send(
      new DescribeExecutionCommand({ executionArn: executionArnOf(this.stateMachineArn, input.orderId) }),
    );
    const existingInput: unknown = existing.input === undefined ? undefined : JSON.parse(existing.input);
    // Compared as data: the stored JSON may order keys differently.
    return isDeepStrictEqual(existingInput, JSON.parse(JSON.stringify(input)))
      ? 'ALREADY_STARTED'
      : 'CONFLICT';
  }
}

/** arn:aws:states:r:a:stateMachine:Name -> arn:aws:states:r:a:execution:Name:executionName */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
