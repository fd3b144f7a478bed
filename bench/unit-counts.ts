/**
 * Benchmark 0, per-order units: what one happy order costs in every metered unit, counted in a local
 * run of the real handlers, for the capacity and cost model (`npm run capacity`). Orders arrive at
 * a steady low rate with approved cards; the shop's checkout page follows each 202 by reading the
 * order's Location once a second until it is CONFIRMED. After the warm-up the counters are reset;
 * when the last order is confirmed and every consumer is idle they are read:
 * - DynamoDB request units per table and per partition-key value (the server's consumed-capacity accounting);
 * - Step Functions executions, state transitions (StateEntered events of each history) and SendTask* calls;
 * - Lambda invocations and billed milliseconds (platform.report events) and log bytes, per function;
 * - Kafka records and bytes per topic (the records the run added);
 * - API requests and e-mails.
 * Writes bench/results/unit-counts.json, whose `figures.units` the model reads.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '../lib/config/topics';
import { repositoryRoot } from '../local/infra/paths';
import type { RunningPipeline } from '../local/pipeline';
import { resourcesOfType, stageTemplates } from '../local/runtime/cfn-template';
import { LocalResolver } from '../local/runtime/local-resources';
import type { PerOrderUnits } from '../scripts/lib/capacity/units';
import type { BenchContext } from './lib/context';
import { runOpenLoop } from './lib/load-generator';
import { startLoadRun } from './lib/load-run';
import { cartGenerator, checkoutRequests, type PlaceOrderReply } from './lib/orders';
import { machineInfo, sleep, writeResult } from './lib/results';
import {
  type ConsumedCapacity,
  functionUnits,
  perOrder,
  sendTaskCalls,
  stateTransitions,
  type TopicVolume,
  tableUnits,
  topicUnits,
} from './lib/unit-counts';

/** Low enough that nothing queues: the units of an order do not depend on load, its timings do. */
const RATE_PER_SECOND = 5;
/** How often the shop's checkout page reads the order after the 202. */
const STATUS_POLL_MS = 1_000;
const CONFIRM_TIMEOUT_MS = 60_000;
const TERMINAL = new Set(['CONFIRMED', 'FAILED']);

export interface UnitCountsFigures {
  readonly orders: number;
  readonly confirmed: number;
  readonly units: PerOrderUnits;
  /** DynamoDB requests per table and operation over the run, for the report. */
  readonly dynamodbRequests: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly stepFunctionsCalls: Readonly<Record<string, number>>;
}

async function post(url: string): Promise<void> {
  const response = await fetch(url, { method: 'POST' });
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}`);
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

async function topicEnds(admin: Admin): Promise<Map<string, Map<number, bigint>>> {
  const ends = new Map<string, Map<number, bigint>>();
  for (const { name } of Object.values(TOPICS)) {
    const offsets = await admin.fetchTopicOffsets(name);
    ends.set(name, new Map(offsets.map((offset) => [offset.partition, BigInt(offset.high)])));
  }
  return ends;
}

/** Reads each topic's records between two sets of end offsets with a throw-away group. */
async function topicVolumes(
  kafka: Kafka,
  before: Map<string, Map<number, bigint>>,
  after: Map<string, Map<number, bigint>>,
): Promise<TopicVolume[]> {
  const volumes: TopicVolume[] = [];
  for (const [topic, ends] of after) {
    const starts = before.get(topic) ?? new Map<number, bigint>();
    const wanted = [...ends].filter(([partition, end]) => end > (starts.get(partition) ?? 0n));
    const records = wanted.reduce(
      (sum, [partition, end]) => sum + Number(end - (starts.get(partition) ?? 0n)),
      0,
    );
    if (records === 0) continue;
    let bytes = 0;
    let seen = 0;
    const consumer = kafka.consumer({
      groupId: `bench.unit-counts-${Date.now()}-${topic}`,
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Reading ${topic} took longer than 60 s`)), 60_000);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          const start = starts.get(batch.partition) ?? 0n;
          const end = ends.get(batch.partition) ?? 0n;
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            if (offset < start || offset >= end) continue;
            seen += 1;
            bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
            for (const [name, value] of Object.entries(message.headers ?? {})) {
              bytes +=
                Buffer.byteLength(name) +
                (Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value)));
            }
          }
          if (seen >= records) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    try {
      await done;
    } finally {
      await consumer.disconnect();
    }
    volumes.push({ topic, records, bytes });
  }
  return volumes;
}

/** Function name to logical id, named as the local mode names the dev stage's functions. */
function functionLogicalIds(): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const stack of stageTemplates(`${repositoryRoot()}/cdk.out`, 'dev')) {
    const resolver = new LocalResolver(stack.template);
    for (const [logicalId] of resourcesOfType(stack.template, 'AWS::Lambda::Function')) {
      ids[resolver.functionName(logicalId)] = logicalId;
    }
  }
  return ids;
}

function readFrom(file: string, offset: number): string {
  const size = statSync(file).size;
  const buffer = Buffer.alloc(Math.max(0, size - offset));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** GETs the order's Location once a second until it is CONFIRMED or FAILED; returns how many. */
async function followOrder(apiUrl: string, location: string, token: string): Promise<number> {
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
  let requests = 0;
  while (Date.now() < deadline) {
    await sleep(STATUS_POLL_MS);
    requests += 1;
    const response = await fetch(`${apiUrl}${location}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.ok && TERMINAL.has(((await response.json()) as { status?: string }).status ?? '')) break;
  }
  return requests;
}

async function stepFunctionsUnits(
  pipeline: RunningPipeline,
  since: Date,
): Promise<{ executions: number; transitions: number }> {
  const client = new SFNClient({
    endpoint: pipeline.endpoints.sfn,
    region: pipeline.toolEnvironment.AWS_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    let executions = 0;
    let transitions = 0;
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListExecutionsCommand({ stateMachineArn: pipeline.stateMachineArn, maxResults: 1000, nextToken }),
      );
      for (const execution of page.executions ?? []) {
        if ((execution.startDate?.getTime() ?? 0) < since.getTime()) continue;
        executions += 1;
        let historyToken: string | undefined;
        do {
          const history = await client.send(
            new GetExecutionHistoryCommand({
              executionArn: execution.executionArn,
              maxResults: 1000,
              nextToken: historyToken,
            }),
          );
          transitions += stateTransitions((history.events ?? []).map((event) => event.type ?? ''));
          historyToken = history.nextToken;
        } while (historyToken);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return { executions, transitions };
  } finally {
    client.destroy();
  }
}

export async function runUnitCounts(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const orders = ctx.quick ? 20 : 200;
  const load = await startLoadRun(ctx, 17);
  const { pipeline, customers, watcher, agent } = load;
  const kafka = new Kafka({
    clientId: 'bench-unit-counts',
    brokers: [...pipeline.endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await post(`${pipeline.endpoints.dynamodb}/_local/consumed-capacity/reset`);
    await post(`${pipeline.endpoints.sfn}/_local/api-calls/reset`);
    const offsetsBefore = await topicEnds(admin);
    const logOffset = statSync(pipeline.functionLogFile).size;
    const mailBefore = readdirSync(pipeline.mailboxDir).length;
    const since = new Date();

    const follows: Promise<number>[] = [];
    const accepted: string[] = [];
    const run = await runOpenLoop<PlaceOrderReply & { status?: string }>({
      url: `${pipeline.apiUrl}/orders`,
      ratePerSecond: RATE_PER_SECOND,
      durationSeconds: orders / RATE_PER_SECOND,
      agent,
      build: checkoutRequests(customers, cartGenerator(17, 1)),
      onOutcome: (outcome) => {
        const orderId = outcome.body?.orderId;
        if (outcome.status !== 202 || !orderId) return;
        accepted.push(orderId);
        const token = customers[outcome.index % customers.length]![1]!;
        follows.push(followOrder(pipeline.apiUrl, `/orders/${orderId}`, token));
      },
    });
    const statusReads = (await Promise.all(follows)).reduce((sum, count) => sum + count, 0);
    const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
    while (accepted.some((id) => !watcher.outcomes.has(id)) && Date.now() < deadline) await sleep(200);
    await pipeline.waitForConsumersIdle();
    const confirmed = accepted.filter((id) => watcher.outcomes.get(id)?.status === 'CONFIRMED').length;
    if (confirmed === 0) throw new Error(`None of ${run.scheduled} orders was confirmed`);

    const capacity = await getJson<ConsumedCapacity>(
      `${pipeline.endpoints.dynamodb}/_local/consumed-capacity`,
    );
    const calls = (
      await getJson<{ operations: Record<string, number> }>(`${pipeline.endpoints.sfn}/_local/api-calls`)
    ).operations;
    const sagas = await stepFunctionsUnits(pipeline, since);
    const volumes = await topicVolumes(kafka, offsetsBefore, await topicEnds(admin));
    const tableNames = Object.fromEntries(
      Object.entries(pipeline.tables).map(([logical, physical]) => [physical, logical]),
    );

    const units: PerOrderUnits = {
      measured: { at: new Date().toISOString(), orders: confirmed, command: 'npm run bench:unit-counts' },
      dynamodb: tableUnits(capacity, tableNames, confirmed),
      stepFunctions: {
        executions: perOrder(sagas.executions, confirmed),
        transitions: perOrder(sagas.transitions, confirmed),
        sendTaskCalls: perOrder(sendTaskCalls(calls), confirmed),
      },
      functions: functionUnits(
        readFrom(pipeline.functionLogFile, logOffset),
        functionLogicalIds(),
        confirmed,
      ),
      topics: topicUnits(volumes, confirmed),
      api: { requests: perOrder(run.outcomes.length + statusReads, confirmed) },
      emails: perOrder(readdirSync(pipeline.mailboxDir).length - mailBefore, confirmed),
    };
    const figures: UnitCountsFigures = {
      orders: run.scheduled,
      confirmed,
      units,
      dynamodbRequests: Object.fromEntries(
        Object.entries(capacity.tables).map(([physical, usage]) => [
          tableNames[physical] ?? physical,
          usage.requests,
        ]),
      ),
      stepFunctionsCalls: calls,
    };
    ctx.log(
      `${confirmed}/${run.scheduled} confirmed; per order ${units.dynamodb.reduce((s, t) => s + t.writeUnits, 0).toFixed(1)} WRU, ` +
        `${units.stepFunctions.transitions} transitions, ${units.functions.reduce((s, f) => s + f.invocations, 0).toFixed(1)} invocations`,
    );
    return writeResult(
      'unit-counts',
      ctx.quick ? 'quick' : 'full',
      started,
      machine,
      { ratePerSecond: RATE_PER_SECOND, orders, statusPollMs: STATUS_POLL_MS, cards: 'tok_approve only' },
      figures,
    );
  } finally {
    await admin.disconnect();
    await load.close();
  }
}
