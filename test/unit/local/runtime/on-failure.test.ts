import { describe, expect, it } from 'vitest';
import { parseDeadLetterDocument } from '../../../../lambdas/shared/kafka/dead-letter-record';
import { AwsRuleViolationError, effectiveRetryAttempts } from '../../../../lib/config/aws-rules';
import { EventSourceMappings } from '../../../../local/runtime/event-source-mapping';
import {
  deadLetterMessages,
  destinationViolations,
  type OnFailureDestination,
} from '../../../../local/runtime/on-failure';
import { KAFKA_RECORD_IN_MSK_EVENT, KAFKA_RECORD as RECORD } from '../../../fixtures/local/kafka-record';
import { mappingDefinition } from '../../../fixtures/local/mapping-definition';

describe('deadLetterMessages', () => {
  it('writes each failed record, keyed by its own key, with its content and the failure metadata', () => {
    // Act
    const messages = deadLetterMessages({
      records: [RECORD, { ...RECORD, offset: '43', timestamp: '1764019801000', key: Buffer.from('order-2') }],
      condition: 'RetryAttemptsExhausted',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:analytics',
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/local',
      bootstrapServers: ['127.0.0.1:9092'],
      approximateInvokeCount: 6,
      functionError: true,
      now: new Date('2026-11-24T21:30:00.000Z'),
    });

    // Assess
    expect(messages.map((message) => message.key?.toString())).toEqual(['order-1', 'order-2']);
    const document = parseDeadLetterDocument(messages[0]!.value);
    expect(document).toMatchObject({
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:analytics',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 6,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-24T21:30:00.000Z',
      KafkaBatchInfo: {
        batchSize: 1,
        eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/local',
        bootstrapServers: '127.0.0.1:9092',
        payloadSize: RECORD.value!.length,
        recordInfo: { offset: '42', timestamp: '2025-11-24T21:30:00.000Z' },
      },
      payload: {
        eventSource: 'aws:kafka',
        eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/local',
        records: {
          'orders.events-7': [KAFKA_RECORD_IN_MSK_EVENT],
        },
      },
    });
    expect(document.poisonRecord).toBeUndefined();
  });
});

describe('destinationViolations', () => {
  it('refuses a destination that is the source topic, and one the cluster does not have', () => {
    // Prepare
    const mappings = [
      mappingDefinition({ logicalId: 'Loops', topics: ['orders.events'], onFailureTopic: 'orders.events' }),
      mappingDefinition({
        logicalId: 'Missing',
        topics: ['orders.events'],
        onFailureTopic: 'dead-letters.nowhere',
      }),
      mappingDefinition({
        logicalId: 'Fine',
        topics: ['orders.events'],
        onFailureTopic: 'dead-letters.analytics',
      }),
      mappingDefinition({ logicalId: 'None', topics: ['orders.events'], onFailureTopic: undefined }),
    ];

    // Act
    const violations = destinationViolations(mappings, ['orders.events', 'dead-letters.analytics']);

    // Assess
    expect(violations).toEqual([
      {
        rule: 'kafkaOnFailureDestination',
        message:
          'Loops: the on-failure destination must not be a source topic, received kafka://orders.events for topics ["orders.events"]',
      },
      {
        rule: 'kafkaDestinationTopicExists',
        message:
          'Missing: the on-failure destination topic is not in the cluster, received kafka://dead-letters.nowhere',
      },
    ]);
  });
});

describe('EventSourceMappings with a Kafka on-failure destination', () => {
  it('refuses to start, before touching Kafka, when the destination refuses the mappings', async () => {
    // Prepare: the destination as the Kafka adapter answers for a topic the broker lacks
    const destination: OnFailureDestination = {
      check: async (mappings) => {
        const violations = destinationViolations(mappings, ['orders.events']);
        if (violations.length > 0) throw new AwsRuleViolationError('The on-failure destinations', violations);
      },
      send: async () => undefined,
    };
    const mappings = new EventSourceMappings({
      mappings: [mappingDefinition({ onFailureTopic: 'dead-letters.analytics' })],
      invoke: async () => undefined,
      functionArnOf: (id) => id,
      brokers: ['127.0.0.1:1'],
      onFailure: destination,
    });

    // Act
    const starting = mappings.start();

    // Assess
    await expect(starting).rejects.toThrow(AwsRuleViolationError);
    await expect(starting).rejects.toThrow(/not in the cluster, received kafka:\/\/dead-letters\.analytics/);
    await mappings.stop();
  });

  it('applies at most 10 retries with infinite retries and an on-failure destination, as Lambda does', () => {
    // Act / Assess
    expect(effectiveRetryAttempts(-1, true)).toBe(10);
    expect(effectiveRetryAttempts(-1, false)).toBe(-1);
    expect(effectiveRetryAttempts(60, true)).toBe(60);
  });
});
