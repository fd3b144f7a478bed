/**
 * The on-failure destination of a Kafka event source mapping, a Kafka topic: for records that
 * exhausted their retries or grew too old, Lambda acts as a producer and writes each failed record,
 * keyed by its own key, with the failure's metadata to the destination topic (Lambda guide, "Using
 * a Kafka topic as an on-failure destination",
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html). The local mode
 * writes the same records to the topic on the local broker, and refuses what Lambda refuses: a
 * destination that is one of the mapping's source topics, or a topic the cluster does not have.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { deadLetterDocument } from '../../lambdas/shared/kafka/dead-letter-record';
import { AwsRuleViolationError, type RuleViolation } from '../../lib/config/aws-rules';
import { type KafkaRecord, toMskRecord } from './msk-event';
import type { EventSourceMappingDefinition } from './template';

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface OnFailureInput {
  readonly records: readonly KafkaRecord[];
  readonly condition: FailureCondition;
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly bootstrapServers: readonly string[];
  /** Invocations made with these records (0 when they expired before any). */
  readonly approximateInvokeCount: number;
  /** Whether the last invocation ended in a function error (vs. a reported partial failure). */
  readonly functionError: boolean;
  readonly now?: Date;
}

/** One record for the destination topic: the failed record's key, the dead-letter document as value. */
export interface DeadLetterMessage {
  readonly key: Buffer | null;
  readonly value: string;
}

/** The records Lambda writes to a Kafka on-failure destination for these failed records, one each. */
export function deadLetterMessages(input: OnFailureInput): DeadLetterMessage[] {
  const failedAt = input.now ?? new Date();
  const requestId = randomUUID();
  return input.records.map((record) => ({
    key: record.key,
    value: JSON.stringify(
      deadLetterDocument({
        record: toMskRecord(record),
        condition: input.condition,
        requestId,
        functionArn: input.functionArn,
        eventSourceArn: input.eventSourceArn,
        bootstrapServers: input.bootstrapServers.join(','),
        approximateInvokeCount: input.approximateInvokeCount,
        functionError: input.functionError,
        failedAt,
      }),
    ),
  }));
}

/** The mapping fields the destination checks: which topics it reads and where its failures go. */
export type DestinationMapping = Pick<
  EventSourceMappingDefinition,
  'logicalId' | 'topics' | 'onFailureTopic'
>;

/**
 * What Lambda refuses about the mappings' Kafka destinations, given the topics the cluster has: a
 * destination that is one of the mapping's sources (it would loop) or a topic not in the cluster.
 */
export function destinationViolations(
  mappings: readonly DestinationMapping[],
  clusterTopics: readonly string[],
): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const mapping of mappings) {
    const topic = mapping.onFailureTopic;
    if (topic === undefined) continue;
    if (mapping.topics.includes(topic)) {
      violations.push({
        rule: 'kafkaOnFailureDestination',
        message: `${mapping.logicalId}: the on-failure destination must not be a source topic, received kafka://${topic} for topics ${JSON.stringify(mapping.topics)}`,
      });
    } else if (!clusterTopics.includes(topic)) {
      violations.push({
        rule: 'kafkaDestinationTopicExists',
        message: `${mapping.logicalId}: the on-failure destination topic is not in the cluster, received kafka://${topic}`,
      });
    }
  }
  return violations;
}

/** Where on-failure records go; the Kafka adapter below in the local mode, a fake in unit tests. */
export interface OnFailureDestination {
  /**
   * Refuses, before any record is polled, destinations Lambda would refuse.
   * @throws {AwsRuleViolationError} naming each offending mapping and topic.
   */
  check(mappings: readonly DestinationMapping[]): Promise<void>;
  /** Resolves once the broker has the records (acks from all in-sync replicas). */
  send(topic: string, messages: readonly DeadLetterMessage[]): Promise<void>;
}

export class KafkaOnFailureDestination implements OnFailureDestination {
  private readonly kafka: Kafka;
  private producer: Promise<Producer> | undefined;

  /** `brokers`: the local broker (the emulator runs outside the functions, so they are given, not read). */
  constructor(brokers: readonly string[]) {
    this.kafka = new Kafka({
      clientId: 'order-pipeline-local-esm-on-failure',
      brokers: [...brokers],
      logLevel: logLevel.WARN,
      retry: { retries: 8, initialRetryTime: 200 },
    });
  }

  async check(mappings: readonly DestinationMapping[]): Promise<void> {
    if (!mappings.some((mapping) => mapping.onFailureTopic !== undefined)) return;
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const violations = destinationViolations(mappings, await admin.listTopics());
      if (violations.length > 0) {
        throw new AwsRuleViolationError(
          'The on-failure destinations of the event source mappings',
          violations,
        );
      }
    } finally {
      await admin.disconnect();
    }
  }

  async send(topic: string, messages: readonly DeadLetterMessage[]): Promise<void> {
    this.producer ??= (async () => {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      return producer;
    })().catch((error: unknown) => {
      this.producer = undefined;
      throw error;
    });
    const producer = await this.producer;
    await producer.send({ topic, acks: -1, messages: messages.map((message) => ({ ...message })) });
  }

  async close(): Promise<void> {
    const producer = await this.producer?.catch(() => undefined);
    this.producer = undefined;
    await producer?.disconnect();
  }
}
