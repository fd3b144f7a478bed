/**
 * Turns what the local parts counted over a run of happy orders into the per-order units the
 * capacity and cost model reads (scripts/lib/capacity/units.ts): the DynamoDB server's request
 * units, the functions' platform.report events, the Step Functions histories and API calls, the
 * topics' records. Pure functions, so each rule is unit-tested on its own.
 */
import type { FunctionUnits, TableUnits, TopicUnits } from '../../scripts/lib/capacity/units';

/** `GET /_local/consumed-capacity` of the project's DynamoDB server. */
export interface ConsumedCapacity {
  readonly tables: Readonly<
    Record<
      string,
      {
        readonly readUnits: number;
        readonly writeUnits: number;
        /** Requests per operation that touched the table. */
        readonly requests: Readonly<Record<string, number>>;
        readonly indexes: Readonly<
          Record<string, { readonly readUnits: number; readonly writeUnits: number }>
        >;
        readonly keys: Readonly<
          Record<
            string,
            {
              readonly readUnits: number;
              readonly writeUnits: number;
              readonly reads: number;
              readonly writes: number;
            }
          >
        >;
      }
    >
  >;
}

/**
 * An item is shared when nine orders in ten or more read or write it: a counter such as a daily
 * total, whose single partition caps the order rate whatever the shop sells. An order's own items
 * and a customer's are touched by few orders; a SKU's item by the orders that buy it, which the
 * shop's catalogue decides, not the design.
 */
export const SHARED_KEY_TOUCHES_PER_ORDER = 0.9;

/** A count over the run as a per-order figure, to three decimals. */
export function perOrder(value: number, orders: number): number {
  return Math.round((value / orders) * 1000) / 1000;
}

/**
 * Per order and per logical table: base-table and index units together (both are billed), and the
 * hot items. `tableNames` maps each physical table name to its logical name.
 */
export function tableUnits(
  capacity: ConsumedCapacity,
  tableNames: Readonly<Record<string, string>>,
  orders: number,
): TableUnits[] {
  return Object.entries(capacity.tables)
    .map(([physical, usage]) => {
      const indexes = Object.values(usage.indexes);
      const indexRead = indexes.reduce((sum, index) => sum + index.readUnits, 0);
      const indexWrite = indexes.reduce((sum, index) => sum + index.writeUnits, 0);
      const hotKeys = Object.entries(usage.keys)
        .filter(([, units]) => Math.max(units.reads, units.writes) >= SHARED_KEY_TOUCHES_PER_ORDER * orders)
        .map(([key, units]) => ({
          key,
          readUnits: perOrder(units.readUnits, orders),
          writeUnits: perOrder(units.writeUnits, orders),
        }))
        .sort((a, b) => b.writeUnits + b.readUnits - (a.writeUnits + a.readUnits));
      return {
        table: tableNames[physical] ?? physical,
        readUnits: perOrder(usage.readUnits + indexRead, orders),
        writeUnits: perOrder(usage.writeUnits + indexWrite, orders),
        hotKeys,
      };
    })
    .filter((table) => table.readUnits > 0 || table.writeUnits > 0)
    .sort((a, b) => a.table.localeCompare(b.table));
}

/** A line of the local function log: `<ISO time> [<function name>] [! ]<line>`. */
const LOG_LINE = /^\S+ \[([^\]]+)\] (?:! )?(.*)$/;

interface PlatformReport {
  readonly type?: unknown;
  readonly record?: { readonly metrics?: { readonly billedDurationMs?: unknown } };
}

/**
 * Per function, from the function log of the run: invocations and billed milliseconds from the
 * platform.report events, and the bytes the function wrote, which CloudWatch Logs would ingest
 * (the local time stamp and name prefix excluded: CloudWatch keeps those as event metadata).
 * `logicalIds` maps each function name to its logical id in the App template.
 */
export function functionUnits(
  log: string,
  logicalIds: Readonly<Record<string, string>>,
  orders: number,
): FunctionUnits[] {
  const byName = new Map<string, { invocations: number; billedMs: number; logBytes: number }>();
  for (const line of log.split('\n')) {
    const match = LOG_LINE.exec(line);
    if (!match) continue;
    const [, name, message] = match as unknown as [string, string, string];
    let counts = byName.get(name);
    if (!counts) {
      counts = { invocations: 0, billedMs: 0, logBytes: 0 };
      byName.set(name, counts);
    }
    counts.logBytes += Buffer.byteLength(message);
    if (!message.startsWith('{"time"') || !message.includes('"platform.report"')) continue;
    const report = JSON.parse(message) as PlatformReport;
    const billed = report.record?.metrics?.billedDurationMs;
    if (report.type === 'platform.report' && typeof billed === 'number') {
      counts.invocations += 1;
      counts.billedMs += billed;
    }
  }
  return [...byName]
    .filter(([, counts]) => counts.invocations > 0)
    .map(([name, counts]) => ({
      logicalId: logicalIds[name] ?? name,
      invocations: perOrder(counts.invocations, orders),
      billedMsPerInvocation: Math.round((counts.billedMs / counts.invocations) * 10) / 10,
      logBytes: Math.round(counts.logBytes / orders),
    }))
    .sort((a, b) => a.logicalId.localeCompare(b.logicalId));
}

/** What one topic gained over the run: its records, and their keys, values and headers in bytes. */
export interface TopicVolume {
  readonly topic: string;
  readonly records: number;
  readonly bytes: number;
}

export function topicUnits(volumes: readonly TopicVolume[], orders: number): TopicUnits[] {
  return volumes
    .filter((volume) => volume.records > 0)
    .map((volume) => ({
      topic: volume.topic,
      records: perOrder(volume.records, orders),
      bytes: Math.round(volume.bytes / orders),
    }));
}

/** Step Functions bills a Standard workflow per state transition: each state entered. */
export function stateTransitions(eventTypes: readonly string[]): number {
  return eventTypes.filter((type) => type.endsWith('StateEntered')).length;
}

/** The callback API calls among the operations the Step Functions endpoint served. */
export function sendTaskCalls(operations: Readonly<Record<string, number>>): number {
  return ['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'].reduce(
    (sum, operation) => sum + (operations[operation] ?? 0),
    0,
  );
}
