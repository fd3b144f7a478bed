/**
 * `npm run replay -- --consumer <name> [--from <ISO time>]`: rebuilds a consumer's state from the
 * topics. The consumer's own handler runs in a worker as usual, fed by its event source mappings
 * under a fresh consumer group (`<group id>.replay-<timestamp>`), from --from (offsets by
 * timestamp) or from the beginning; it exits once the group has caught up with the topics' ends.
 *
 * Idempotency: the replayed consumer keeps its own tables. The consumers that rebuild state (the
 * read model, analytics, loyalty, fulfilment) de-duplicate by that state (the read model's applied
 * event ids, the analytics markers, the loyalty ledger entries, put-if-absent shipments), so a
 * replay over it changes nothing that is already right and restores what was lost. Notification
 * remembers the e-mails it sent (its sent-e-mail markers and idempotency records), so its replay
 * sends only the e-mails that never went out.
 *
 * Uses the parts of a running `npm start` when their ports answer, else starts them for the replay.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { SETTING_ENV_VARS } from '../lib/config/functions';
import { LocalServices } from './infra/local-services';
import { repositoryRoot } from './infra/paths';
import { portAnswers } from './infra/preflight';
import { ensureTemplates } from './pipeline/synth';
import { consumerNameOf, type PipelineInfrastructure, readTopology } from './pipeline/topology';
import { type StackTemplate, stageTemplates } from './runtime/cfn-template';
import { EventSourceMappings } from './runtime/event-source-mapping';
import { FunctionPool } from './runtime/function-pool';
import { KafkaOnFailureDestination } from './runtime/on-failure';

export interface ReplayOptions {
  /** Consumer catalogue name, e.g. `orderReadModel`. */
  readonly consumer: string;
  /** Start at the first record at or after this time; @default the beginning of every topic */
  readonly from?: Date;
  readonly infrastructure: PipelineInfrastructure;
  /** @default the synthesized dev stage in cdk.out */
  readonly templates?: readonly StackTemplate[];
  /** Where e-mails go if the replayed consumer sends any. @default `.local/mailbox` */
  readonly mailboxDir?: string;
  /** Gives up when not caught up after this long. @default 10 minutes */
  readonly timeoutMs?: number;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

export interface ReplayResult {
  /** One replay group per mapping of the consumer, as each mapping has its own group. */
  readonly consumerGroupIds: readonly string[];
  readonly records: number;
  readonly seconds: number;
}

/** The consumer cannot be replayed (unknown name) or did not catch up in time. */
export class ReplayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplayError';
  }
}

const PROGRESS_INTERVAL_MS = 2_000;

export async function replayConsumer(options: ReplayOptions): Promise<ReplayResult> {
  const log = options.log ?? console.log;
  const started = Date.now();
  const repoRoot = repositoryRoot();
  const templates = options.templates ?? stageTemplates(join(repoRoot, 'cdk.out'), 'dev');
  const { infrastructure } = options;
  const topology = readTopology({
    templates,
    infrastructure,
    repoRoot,
    environmentOverrides: {
      ...infrastructure.environment,
      KAFKA_BROKERS: infrastructure.kafkaBrokers.join(','),
      AWS_ENDPOINT_URL_DYNAMODB: infrastructure.dynamodbEndpoint,
      [SETTING_ENV_VARS.emailTransport]: 'mailbox',
      MAILBOX_DIR: options.mailboxDir ?? join(repoRoot, '.local', 'mailbox'),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
  });
  const definitions = topology.functions.filter(
    (definition) => consumerNameOf(definition) === options.consumer,
  );
  const functionIds = new Set(definitions.map((definition) => definition.logicalId));
  const sources = topology.mappings.filter((mapping) => functionIds.has(mapping.functionLogicalId));
  if (sources.length === 0) {
    const known = topology.functions
      .filter((definition) => topology.mappings.some((m) => m.functionLogicalId === definition.logicalId))
      .map(consumerNameOf);
    throw new ReplayError(`No consumer '${options.consumer}'; known: ${[...new Set(known)].join(', ')}`);
  }
  const mappingDefinitions = sources.map((mapping) => ({
    ...mapping,
    consumerGroupId: `${mapping.consumerGroupId}.replay-${started}`,
    startingPosition: options.from ? ('AT_TIMESTAMP' as const) : ('TRIM_HORIZON' as const),
    startingPositionTimestamp: options.from ? options.from.getTime() / 1000 : undefined,
    enabled: true,
  }));
  const topics = [...new Set(mappingDefinitions.flatMap((mapping) => mapping.topics))];
  const groupIds = mappingDefinitions.map((mapping) => mapping.consumerGroupId);
  log(
    `Replaying ${options.consumer} from ${options.from ? options.from.toISOString() : 'the beginning'} of ${topics.join(', ')} with consumer groups ${groupIds.join(', ')}`,
  );

  const pool = new FunctionPool({ functions: definitions, region: topology.region, log: () => undefined });
  const onFailure = new KafkaOnFailureDestination(infrastructure.kafkaBrokers);
  const mappings = new EventSourceMappings({
    mappings: mappingDefinitions,
    invoke: (functionLogicalId, event) => pool.invoke(functionLogicalId, event),
    functionArnOf: (functionLogicalId) => pool.resolve(functionLogicalId).arn,
    brokers: infrastructure.kafkaBrokers,
    onFailure,
  });
  try {
    await mappings.start();
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    let lastProgress = 0;
    let quiet = 0;
    for (;;) {
      const lag = (await mappings.getLag()).reduce((sum, partition) => sum + partition.lag, 0);
      const records = mappings.stats().reduce((sum, stats) => sum + stats.recordsIn, 0);
      const busy = pool.stats().some((stats) => stats.running + stats.queued > 0);
      quiet = lag === 0 && !busy ? quiet + 1 : 0;
      if (quiet >= 2) {
        const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
        log(`Caught up: ${records} records replayed into ${options.consumer} in ${seconds} s.`);
        return { consumerGroupIds: groupIds, records, seconds };
      }
      if (Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        log(`  ${records} records replayed, ${lag} to go`);
      }
      if (Date.now() > deadline)
        throw new ReplayError(`Not caught up after ${(options.timeoutMs ?? 600_000) / 1000} s (lag ${lag})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await mappings.stop().catch(() => undefined);
    await pool.close().catch(() => undefined);
    await onFailure.close().catch(() => undefined);
    await deleteGroups(infrastructure.kafkaBrokers, groupIds);
  }
}

/** The replay groups are done with: left behind they would show up as lagging groups. */
async function deleteGroups(brokers: readonly string[], groupIds: readonly string[]): Promise<void> {
  const admin = new Kafka({
    clientId: 'order-pipeline-replay',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    await admin.deleteGroups([...groupIds]);
  } catch {
    // Best effort: an empty group expires on the broker anyway.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { consumer: { type: 'string' }, from: { type: 'string' } },
  });
  if (!values.consumer) {
    console.error('Usage: npm run replay -- --consumer <name> [--from <ISO time>]');
    process.exitCode = 2;
    return;
  }
  const from = values.from === undefined ? undefined : new Date(values.from);
  if (from && Number.isNaN(from.getTime())) {
    console.error(`--from must be an ISO time (e.g. 2026-11-24T21:00:00Z), received '${values.from}'`);
    process.exitCode = 2;
    return;
  }
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const root = repositoryRoot();
  ensureTemplates(root, join(root, 'cdk.out'));
  const templates = stageTemplates(join(root, 'cdk.out'), 'dev');
  const stack = new LocalServices({ templates, log: (line) => console.log(`  ${line}`) });
  const ports = stack.components.flatMap((component) => component.ports().map(({ port }) => port));
  const running = (await Promise.all(ports.map((port) => portAnswers(port)))).every(Boolean);
  console.log(running ? 'Using the running local parts.' : 'Starting the local parts for the replay...');
  const infrastructure = running ? await stack.attach() : await stack.start();
  try {
    await replayConsumer({ consumer: values.consumer, from, infrastructure, templates });
  } finally {
    if (!running) await stack.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `Replay failed: ${error.name}: ${error.message}` : error);
    process.exit(1);
  });
}
