/** A recording double of the SagaCallback port. */
import type { CallbackOutcome, SagaCallback } from '../../../lambdas/saga/ports/saga-callback';

export type CallbackCall =
  | {
      readonly kind: 'success';
      readonly taskToken: string;
      readonly output: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'failure'; readonly taskToken: string; readonly error: string; readonly cause: string };

export class RecordingSagaCallback implements SagaCallback {
  public readonly calls: CallbackCall[] = [];
  /** What the next answers report; STALE simulates a saga that already moved on. */
  public outcome: CallbackOutcome = 'DELIVERED';
  public failWith: Error | undefined;
  /** Tokens the heartbeat was sent for. */
  public readonly heartbeats: string[] = [];
  /** Tokens whose heartbeat answers STALE (the saga moved on), whatever `outcome` says. */
  public readonly staleTokens = new Set<string>();

  public async succeed(
    taskToken: string,
    output: Readonly<Record<string, unknown>>,
  ): Promise<CallbackOutcome> {
    if (this.failWith) throw this.failWith;
    this.calls.push({ kind: 'success', taskToken, output });
    return this.outcome;
  }

  public async fail(taskToken: string, error: string, cause: string): Promise<CallbackOutcome> {
    if (this.failWith) throw this.failWith;
    this.calls.push({ kind: 'failure', taskToken, error, cause });
    return this.outcome;
  }

  public async heartbeat(taskToken: string): Promise<CallbackOutcome> {
    if (this.failWith) throw this.failWith;
    this.heartbeats.push(taskToken);
    return this.staleTokens.has(taskToken) ? 'STALE' : 'DELIVERED';
  }
}
