/**
 * SagaCallback on Step Functions (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat). A token the saga no longer
 * waits on (timed out, execution over, malformed) is reported as STALE instead of thrown: retrying
 * could never deliver it, and the saga's compensation already covers that order.
 */
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { CallbackOutcome, SagaCallback } from '../ports/saga-callback';

/** Step Functions limits: error 256 characters, cause 32768. */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

export const STALE_TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'TaskTimedOut',
  'TaskDoesNotExist',
  'InvalidToken',
]);

export class SfnSagaCallback implements SagaCallback {
  public constructor(private readonly client: Pick<SFNClient, 'send'>) {}

  public async succeed(
    taskToken: string,
    output: Readonly<Record<string, unknown>>,
  ): Promise<CallbackOutcome> {
    return this.deliver(() =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  public async fail(taskToken: string, error: string, cause: string): Promise<CallbackOutcome> {
    return this.deliver(() =>
      this.client.send(
        new SendTaskFailureCommand({
          taskToken,
          error: error.slice(0, MAX_ERROR),
          cause: cause.slice(0, MAX_CAUSE),
        }),
      ),
    );
  }

  public async heartbeat(taskToken: string): Promise<CallbackOutcome> {
    return this.deliver(() => this.client.send(new SendTaskHeartbeatCommand({ taskToken })));
  }

  private async deliver(send: () => Promise<unknown>): Promise<CallbackOutcome> {
    try {
      await send();
      return 'DELIVERED';
    } catch (error) {
      if (error instanceof Error && STALE_TOKEN_ERRORS.has(error.name)) return 'STALE';
      throw error;
    }
  }
}
