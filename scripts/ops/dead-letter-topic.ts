/**
 * `npm run dlq`: a consumer's dead-letter topic, listed, shown and redriven. The same Kafka calls
 * serve the local mode and a deployed stage; the target says where the brokers are.
 *
 * A redrive produces each failed record back to its source topic, with its key and headers, from
 * the content the dead-letter topic holds: it works however long ago the source topic dropped the
 * record. Every consumer of that topic sees the record again and skips what it already processed
 * (the consumers are idempotent by event id). Progress is the committed offset of the consumer's
 * redrive group on the dead-letter topic, committed after each record's produce was acknowledged:
 * a second redrive of the same dead letters sends nothing, and one interrupted between the produce
 * and the commit sends that one record again, which the consumers skip. A partition's dead letters
 * are redriven in offset order (one order's failures stay in order), so redriving one dead letter
 * redrives the pending ones before it on its partition too.
 */
import type { Admin, IHeaders, Kafka, Producer } from 'kafkajs';
import { CONSUMERS, type ConsumerName } from '../../lib/config/consumers';
import type { KafkaRecord } from '../../local/runtime/msk-event';
import { type DeadLetter, parseDeadLetter, sourceCoordinates } from './dead-letter';
import { opsKafkaAdmin } from './kafka-client';
import { KafkaRecordSource } from './kafka-records';
import { OpsError, type OpsTarget } from './target';

/** The header a redriven record carries: the dead letter it came from, for tracing it back. */
export const REDRIVEN_FROM_HEADER = 'order-pipeline-redriven-from';

export function consumerNameOf(name: string | undefined): ConsumerName {
  const known = CONSUMERS.map((consumer) => consumer.name);
  if (name === undefined || name === '') {
    throw new OpsError(`Name a consumer: one of ${known.join(', ')}`);
  }
  const consumer = known.find((candidate) => candidate === name);
  if (consumer === undefined) throw new OpsError(`No consumer '${name}'; known: ${known.join(', ')}`);
  return consumer;
}

/** The group whose committed offsets on the dead-letter topic say how far redrives got. */
export function redriveGroupId(consumer: ConsumerName): string {
  return `order-pipeline-ops.redrive.${consumer}`;
}

/** `--all`, or one dead letter's id (`<partition>@<offset>`). */
export type DeadLetterSelector = { readonly all: true } | { readonly id: string };

export type RecordOutcome = 'redriven' | 'would redrive';

export interface RecordReport {
  /** Where the record was on its source topic. */
  readonly source: string;
  readonly outcome: RecordOutcome;
}

export interface RedriveReport {
  readonly deadLetter: DeadLetter;
  readonly records: readonly RecordReport[];
  /** Why nothing was sent for it, when nothing was. */
  readonly skipped?: string;
}

export interface RedriveOptions {
  readonly dryRun?: boolean;
}

export class DeadLetterTopic {
  public readonly topic: string;
  public readonly groupId: string;
  private connected: Promise<{ kafka: Kafka; admin: Admin; brokers: readonly string[] }> | undefined;
  private producer: Producer | undefined;
  private readonly records: KafkaRecordSource;

  /** @param topic @default the consumer's dead-letter topic in the catalogue (lib/config/topics.ts) */
  public constructor(
    private readonly target: OpsTarget,
    public readonly consumer: ConsumerName,
    topic?: string,
  ) {
    this.topic = topic ?? CONSUMERS.find((spec) => spec.name === consumer)!.deadLetterTopic;
    this.groupId = redriveGroupId(consumer);
    this.records = new KafkaRecordSource(target);
  }

  /** `list`: every record of the dead-letter topic, oldest first per partition, with whether it was redriven. */
  public async list(): Promise<DeadLetter[]> {
    const records = await this.reach(() => this.records.readTopic(this.topic));
    if (records.length === 0) return [];
    const committed = await this.committedOffsets();
    return records.map((record) =>
      parseDeadLetter(record, BigInt(record.offset) < (committed.get(record.partition) ?? 0n)),
    );
  }

  /** `show`: the selected dead letters. */
  public async show(selector: DeadLetterSelector): Promise<DeadLetter[]> {
    const all = await this.list();
    return 'all' in selector ? all : [this.find(all, selector.id)];
  }

  /**
   * `redrive`: the selected pending dead letters (with `id`, the pending ones of its partition up
   * to it), each failed record produced back to its source topic, partition by partition in offset
   * order; the redrive group commits past each dead letter once its records are acknowledged.
   */
  public async redrive(selector: DeadLetterSelector, options: RedriveOptions = {}): Promise<RedriveReport[]> {
    const all = await this.list();
    let selected: DeadLetter[];
    if ('all' in selector) {
      selected = all.filter((deadLetter) => !deadLetter.redriven);
    } else {
      const chosen = this.find(all, selector.id);
      if (chosen.redriven) return [{ deadLetter: chosen, records: [], skipped: 'already redriven' }];
      selected = all.filter(
        (deadLetter) =>
          !deadLetter.redriven &&
          deadLetter.partition === chosen.partition &&
          BigInt(deadLetter.offset) <= BigInt(chosen.offset),
      );
    }
    const reports: RedriveReport[] = [];
    for (const deadLetter of selected) {
      if (options.dryRun) {
        reports.push({
          deadLetter,
          records: deadLetter.records.map((record) => reportOf(record, 'would redrive')),
        });
        continue;
      }
      if (deadLetter.kind === 'unrecognised') {
        // It holds no record to send; passing it keeps the dead letters behind it redrivable.
        await this.commitPast(deadLetter);
        reports.push({
          deadLetter,
          records: [],
          skipped: `not a dead-letter document (${deadLetter.error})`,
        });
        continue;
      }
      await this.produce(deadLetter);
      await this.commitPast(deadLetter);
      reports.push({ deadLetter, records: deadLetter.records.map((record) => reportOf(record, 'redriven')) });
    }
    return reports;
  }

  public async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    await this.records.close();
    const connected = await this.connected?.catch(() => undefined);
    this.connected = undefined;
    await connected?.admin.disconnect();
  }

  private find(all: readonly DeadLetter[], id: string): DeadLetter {
    const found = all.find((deadLetter) => deadLetter.id === id);
    if (found === undefined) {
      throw new OpsError(
        `No dead letter ${id} on ${this.topic} (${all.length} there; npm run dlq -- list ${this.consumer})`,
      );
    }
    return found;
  }

  private async produce(deadLetter: DeadLetter): Promise<void> {
    const producer = await this.connectedProducer();
    for (const record of deadLetter.records) {
      await this.reach(() =>
        producer.send({
          topic: record.topic,
          acks: -1,
          // A fresh timestamp: the original one would make the mapping's MaximumRecordAge send the
          // record straight back to the dead-letter topic.
          messages: [
            {
              key: record.key,
              value: record.value,
              headers: { ...headersOf(record), [REDRIVEN_FROM_HEADER]: `${this.topic}-${deadLetter.id}` },
            },
          ],
        }),
      );
    }
  }

  private async commitPast(deadLetter: DeadLetter): Promise<void> {
    const { admin } = await this.connect();
    const next = String(BigInt(deadLetter.offset) + 1n);
    await this.reach(() =>
      admin.setOffsets({
        groupId: this.groupId,
        topic: this.topic,
        partitions: [{ partition: deadLetter.partition, offset: next }],
      }),
    );
  }

  /** The redrive group's next offset per partition; 0 where it never committed. */
  private async committedOffsets(): Promise<Map<number, bigint>> {
    const { admin } = await this.connect();
    const [committed] = await this.reach(() =>
      admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
    );
    return new Map(
      (committed?.partitions ?? []).map((partition) => [
        partition.partition,
        Number(partition.offset) < 0 ? 0n : BigInt(partition.offset),
      ]),
    );
  }

  private connect(): Promise<{ kafka: Kafka; admin: Admin; brokers: readonly string[] }> {
    this.connected ??= (async () => {
      const { kafka, connection, admin } = await opsKafkaAdmin(this.target, 'order-pipeline-dlq');
      return { kafka, admin, brokers: connection.brokers };
    })().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const { kafka } = await this.connect();
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await this.reach(() => producer.connect());
    this.producer = producer;
    return producer;
  }

  /** A Kafka call; one the cluster refuses or does not answer is an OpsError naming the topic. */
  private async reach<Output>(call: () => Promise<Output>): Promise<Output> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof OpsError) throw error;
      throw new OpsError(
        `Kafka refused or did not answer for ${this.topic}: ${(error as Error).name}: ${(error as Error).message} (is the local mode running, or are the stage's credentials set and the brokers in reach?)`,
        { cause: error },
      );
    }
  }
}

function reportOf(record: KafkaRecord, outcome: RecordOutcome): RecordReport {
  return { source: sourceCoordinates(record), outcome };
}

/** The record's headers as the producer takes them, repeated ones as arrays. */
function headersOf(record: KafkaRecord): IHeaders {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** The consumer's dead-letter topic on the target. */
export function openDeadLetterTopic(target: OpsTarget, consumerName: string | undefined): DeadLetterTopic {
  return new DeadLetterTopic(target, consumerNameOf(consumerName));
}
