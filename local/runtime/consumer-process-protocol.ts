/**
 * The messages between the local pipeline and its consumer process (consumer-process.ts) over the
 * Node IPC channel. Everything is plain JSON: the process builds its FunctionPool and
 * EventSourceMappings from the same definitions the pipeline read from the template.
 */
import type { MappingActivity, MappingStats } from './event-source-mapping';
import type { FunctionStats } from './function-pool';
import type { EventSourceMappingDefinition, LocalFunctionDefinition } from './template';

export interface ConsumerProcessConfig {
  /** The consumers' functions, environments resolved (endpoints, tables, mailbox). */
  readonly functions: readonly LocalFunctionDefinition[];
  /** The event source mappings that invoke them. */
  readonly mappings: readonly EventSourceMappingDefinition[];
  readonly brokers: readonly string[];
  readonly region: string;
  /** Execution environments per function (by logical id or name). */
  readonly concurrency?: Readonly<Record<string, number>>;
  readonly partitionsConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  /** Mappings (logical ids) to keep paused from the start: a pause outlives a restart. */
  readonly paused: readonly string[];
  /** Invocations at least this long are noted in the function log. */
  readonly slowInvocationMs?: number;
}

export type ConsumerProcessRequest =
  | { readonly type: 'start'; readonly config: ConsumerProcessConfig }
  | { readonly type: 'pause' | 'resume'; readonly id: number; readonly name: string }
  | { readonly type: 'stats' | 'stop'; readonly id: number };

export interface ConsumerProcessSnapshot {
  readonly mappings: MappingStats[];
  readonly functions: FunctionStats[];
}

export type ConsumerProcessMessage =
  /** Every mapping joined its group and every function is warm. */
  | { readonly type: 'ready' }
  | { readonly type: 'start-failed'; readonly error: string }
  | {
      readonly type: 'log';
      readonly functionName: string;
      readonly stream: 'stdout' | 'stderr';
      readonly line: string;
    }
  | { readonly type: 'activity'; readonly activity: MappingActivity }
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly ok: boolean;
      readonly error?: string;
      readonly snapshot?: ConsumerProcessSnapshot;
    };
