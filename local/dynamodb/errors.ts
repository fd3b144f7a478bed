/**
 * The server's typed errors. Each one is mapped once, in `wireError`, to the error DynamoDB sends:
 * HTTP 400 with `{"__type":"com.amazonaws.dynamodb.v20120810#<Name>","message":...}`, which the
 * SDK turns into the exception class of that name (and copies the extra fields onto it).
 */
import type { Item } from './values';

const WIRE_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

export abstract class DynamoDbError extends Error {
  /** The exception name after the `#` of `__type`. */
  public abstract readonly wireName: string;

  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Fields of the error body beside `__type` and `message`. */
  public wireFields(): Record<string, unknown> {
    return {};
  }
}

/** A request DynamoDB refuses as invalid. */
export class ValidationError extends DynamoDbError {
  public readonly wireName = 'ValidationException';
}

/** The body is not the JSON DynamoDB expects. */
export class SerializationError extends DynamoDbError {
  public readonly wireName = 'SerializationException';
}

/** A ConditionExpression was false. Powertools idempotency reads `Item` (ALL_OLD) from it. */
export class ConditionalCheckFailedError extends DynamoDbError {
  public readonly wireName = 'ConditionalCheckFailedException';
  public constructor(public readonly item?: Item) {
    super('The conditional request failed');
  }

  public override wireFields(): Record<string, unknown> {
    return this.item ? { Item: this.item } : {};
  }
}

export interface CancellationReason {
  readonly Code: 'None' | 'ConditionalCheckFailed' | 'ValidationError';
  readonly Message?: string;
  readonly Item?: Item;
}

/** A TransactWriteItems of which at least one action was refused; nothing was written. */
export class TransactionCanceledError extends DynamoDbError {
  public readonly wireName = 'TransactionCanceledException';
  public constructor(public readonly reasons: readonly CancellationReason[]) {
    super(
      'Transaction cancelled, please refer cancellation reasons for specific reasons ' +
        `[${reasons.map((reason) => reason.Code).join(', ')}]`,
    );
  }

  public override wireFields(): Record<string, unknown> {
    return { CancellationReasons: this.reasons };
  }
}

export class ResourceNotFoundError extends DynamoDbError {
  public readonly wireName = 'ResourceNotFoundException';
  public constructor(tableName: string) {
    super(`Requested resource not found: Table: ${tableName} not found`);
  }
}

export class ResourceInUseError extends DynamoDbError {
  public readonly wireName = 'ResourceInUseException';
  public constructor(tableName: string) {
    super(`Table already exists: ${tableName}`);
  }
}

export class UnknownOperationError extends DynamoDbError {
  public readonly wireName = 'UnknownOperationException';
  public constructor(target: string) {
    super(`Operation not supported by this DynamoDB-compatible server: ${target || '(no X-Amz-Target)'}`);
  }
}

/** A ClientRequestToken seen in the last 10 minutes came with a different transaction. */
export class IdempotentParameterMismatchError extends DynamoDbError {
  public readonly wireName = 'IdempotentParameterMismatchException';
  public constructor(token: string) {
    super(`ClientRequestToken ${token} was used with different parameters within the last 10 minutes`);
  }
}

/** The HTTP status and body DynamoDB would answer; anything not a DynamoDbError is a bug (500). */
export function wireError(error: unknown): {
  readonly status: number;
  readonly body: Record<string, unknown>;
} {
  if (error instanceof DynamoDbError) {
    return {
      status: 400,
      body: { __type: WIRE_PREFIX + error.wireName, message: error.message, ...error.wireFields() },
    };
  }
  return {
    status: 500,
    body: { __type: `${WIRE_PREFIX}InternalServerError`, message: 'Internal server error' },
  };
}
