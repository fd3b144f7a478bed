/**
 * FailedRecordSink on SQS: the consumer's on-failure queue (ON_FAILURE_QUEUE_URL), the same queue
 * the event source mapping sends records to once its retries are exhausted, so operators look in
 * one place. Locally the queue is ElasticMQ behind AWS_ENDPOINT_URL_SQS.
 *
 * Poison records are rare, so the SQS client is loaded (dynamic `import()`) on the first one
 * instead of at every consumer's init.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { requireEnv } from '../env';
import type { FailedRecord, FailedRecordSink } from '../ports/failed-record-sink';

export class SqsFailedRecordSink implements FailedRecordSink {
  /** @param client defaults to the container's SQS client, loaded on the first record sent */
  public constructor(
    private readonly queueUrl: string,
    private readonly client?: Pick<SQSClient, 'send'>,
  ) {}

  public async send(record: FailedRecord): Promise<void> {
    const { SendMessageCommand, sqsClient } = await import('./sqs');
    await (this.client ?? sqsClient()).send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(record),
        // Attributes let operators filter the queue without parsing bodies.
        MessageAttributes: {
          consumer: { DataType: 'String', StringValue: record.consumer },
          topic: { DataType: 'String', StringValue: record.topic },
          partition: { DataType: 'Number', StringValue: String(record.partition) },
          offset: { DataType: 'Number', StringValue: String(record.offset) },
          reason: { DataType: 'String', StringValue: record.reason },
        },
      }),
    );
  }
}

/** The sink of the current consumer, from ON_FAILURE_QUEUE_URL. */
export function failedRecordSinkFromEnvironment(env: NodeJS.ProcessEnv = process.env): SqsFailedRecordSink {
  return new SqsFailedRecordSink(requireEnv('ON_FAILURE_QUEUE_URL', env));
}
