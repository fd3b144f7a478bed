/**
 * The per-order unit counts the capacity and cost model multiplies by the order rate. They are to
 * be measured in a local run of the real handlers (the DynamoDB server's consumed-capacity
 * accounting, the Step Functions histories, the function pool, the topics' offsets), never
 * estimated. Every figure is per happy order.
 */

export interface TableUnits {
  /** Logical table name (orders, inventory, payments, ...). */
  readonly table: string;
  /** Base table and global secondary indexes together: both are billed, both count on the table. */
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Items nearly every order reads or writes (shared counters), with what each order adds to them. */
  readonly hotKeys: readonly {
    readonly key: string;
    readonly readUnits: number;
    readonly writeUnits: number;
  }[];
}

export interface FunctionUnits {
  /** Logical id of the function in the App template (the same in every stage). */
  readonly logicalId: string;
  readonly invocations: number;
  readonly billedMsPerInvocation: number;
  /** Log output per order, bytes. */
  readonly logBytes: number;
}

export interface TopicUnits {
  readonly topic: string;
  readonly records: number;
  readonly bytes: number;
}

export interface PerOrderUnits {
  /** Where and when they were measured, for the report. */
  readonly measured: { readonly at: string; readonly orders: number; readonly command: string };
  readonly dynamodb: readonly TableUnits[];
  readonly stepFunctions: {
    readonly executions: number;
    readonly transitions: number;
    /** SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat calls together. */
    readonly sendTaskCalls: number;
  };
  readonly functions: readonly FunctionUnits[];
  readonly topics: readonly TopicUnits[];
  readonly api: { readonly requests: number };
  readonly emails: number;
}
