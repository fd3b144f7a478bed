/**
 * A Step Functions client double: StartExecution with the real name/input rules
 * (same name + same input while running = success, otherwise ExecutionAlreadyExists),
 * DescribeExecution, and SendTaskSuccess/Failure/Heartbeat against tokens that can be made stale.
 */
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { awsError } from '../inventory/fake-dynamodb';

export interface TaskAnswer {
  readonly taskToken: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

export class FakeStepFunctions {
  public readonly executions = new Map<string, { input: string; status: 'RUNNING' | 'SUCCEEDED' }>();
  public readonly answers: TaskAnswer[] = [];
  public readonly heartbeats: string[] = [];
  /** Tokens whose task is over: answering them fails with this error name. */
  public readonly staleTokens = new Map<string, string>();
  public failWith: Error | undefined;
  public starts = 0;

  public readonly send = async (command: unknown): Promise<unknown> => {
    if (this.failWith) throw this.failWith;
    if (command instanceof StartExecutionCommand) {
      const { stateMachineArn, name, input } = command.input;
      const executionArn = `${stateMachineArn!.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.executions.get(executionArn);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === input)
          return { executionArn, startDate: new Date() };
        throw awsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      this.starts += 1;
      this.executions.set(executionArn, { input: input!, status: 'RUNNING' });
      return { executionArn, startDate: new Date() };
    }
    if (command instanceof DescribeExecutionCommand) {
      const execution = this.executions.get(command.input.executionArn!);
      if (!execution) throw awsError('ExecutionDoesNotExist');
      return { executionArn: command.input.executionArn, input: execution.input, status: execution.status };
    }
    if (command instanceof SendTaskHeartbeatCommand) {
      const stale = this.staleTokens.get(command.input.taskToken!);
      if (stale) throw awsError(stale);
      this.heartbeats.push(command.input.taskToken!);
      return {};
    }
    if (command instanceof SendTaskSuccessCommand || command instanceof SendTaskFailureCommand) {
      const stale = this.staleTokens.get(command.input.taskToken!);
      if (stale) throw awsError(stale);
      this.answers.push(
        command instanceof SendTaskSuccessCommand
          ? { taskToken: command.input.taskToken!, output: JSON.parse(command.input.output!) }
          : { taskToken: command.input.taskToken!, error: command.input.error!, cause: command.input.cause! },
      );
      return {};
    }
    throw new Error(`FakeStepFunctions: unsupported command ${(command as object).constructor.name}`);
  };
}
