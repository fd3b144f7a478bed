/**
 * DynamoDB transactions whose conditions decide an outcome (payment ledger, stock reservations).
 * A transaction is cancelled either because one of its own conditions failed, which is an answer,
 * or because a concurrent transaction touched the same items (TransactionConflict), which is
 * worth another try after a short random pause so the colliding writers spread out.
 */
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** Attempts when a transaction collides with another one on the same items. */
export const MAX_TRANSACTION_ATTEMPTS = 5;
/** Upper bound of the random pause before the next attempt. */
const MAX_JITTER_MS = 25;

/** The random pause between attempts of colliding writers. */
export const jitterPause = (): Promise<void> =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.random() * MAX_JITTER_MS));

interface CancellationReason {
  readonly Code?: string;
}

/** The per-item reasons of a cancelled transaction; undefined for any other error. */
export function cancellationReasons(error: unknown): readonly CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

/**
 * Writes the transaction, trying again while it only collides with others. Resolves undefined
 * when written, or, when conditions failed, one flag per TransactItem (true: its condition
 * failed). Other errors, and a conflict that outlasts the attempts, are thrown.
 */
export async function transactWrite(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  input: TransactWriteCommandInput,
): Promise<readonly boolean[] | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await client.send(new TransactWriteCommand(input));
      return undefined;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons === undefined) throw error;
      const failed = (input.TransactItems ?? []).map(
        (_, index) => reasons[index]?.Code === 'ConditionalCheckFailed',
      );
      if (failed.some(Boolean)) return failed;
      if (attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
      await jitterPause();
    }
  }
}
