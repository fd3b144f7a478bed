/**
 * The on-failure destination of a Kafka event source mapping: for records that exhausted their
 * retries or grew too old, Lambda sends an invocation record — metadata and the records'
 * coordinates, not their content — to the SQS queue (AWS docs: "Capturing discarded batches for
 * an Amazon MSK event source"). The local mode sends the same document to ElasticMQ.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type KafkaRecord, partitionKey } from './msk-event';

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

/** The invocation record Lambda sends to an SQS or SNS on-failure destination. */
export function onFailureRecord(input: OnFailureInput): Record<string, unknown> {
  const recordsInfo: Record<string, Record<string, string>> = {};
  for (const [key, records] of Object.entries(groupByPartition(input.records))) {
    const first = records[0]!;
    const last = records.at(-1)!;
    recordsInfo[key] = {
      firstRecordOffset: first.offset,
      lastRecordOffset: last.offset,
      firstRecordTimestamp: new Date(Number(first.timestamp)).toISOString(),
      lastRecordTimestamp: new Date(Number(last.timestamp)).toISOString(),
    };
  }
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: input.functionError ? 'Unhandled' : '',
    },
    version: '1.0',
    timestamp: (input.now ?? new Date()).toISOString(),
    KafkaBatchInfo: {
      batchSize: input.records.length,
      eventSourceArn: input.eventSourceArn,
      bootstrapServers: input.bootstrapServers.join(','),
      payloadSize: input.records.reduce((size, record) => size + (record.value?.length ?? 0), 0),
      recordsInfo,
    },
  };
}

function groupByPartition(records: readonly KafkaRecord[]): Record<string, KafkaRecord[]> {
  const groups: Record<string, KafkaRecord[]> = {};
  for (const record of records) {
    const key = partitionKey(record);
    groups[key] = [...(groups[key] ?? []), record];
  }
  for (const group of Object.values(groups))
    group.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  return groups;
}

/** Where on-failure records go; the SQS adapter below in the local mode, a fake in unit tests. */
export interface OnFailureDestination {
  send(queueUrl: string, body: string): Promise<void>;
}

export class SqsOnFailureDestination implements OnFailureDestination {
  private readonly client: SQSClient;

  /** `endpoint`: the ElasticMQ URL (the emulator runs outside the functions, so it is given, not read). */
  constructor(endpoint: string, region = 'us-east-1') {
    this.client = new SQSClient({
      endpoint,
      region,
      // ElasticMQ accepts any credentials; these are placeholders, not secrets.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  async send(queueUrl: string, body: string): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  }

  close(): void {
    this.client.destroy();
  }
}
