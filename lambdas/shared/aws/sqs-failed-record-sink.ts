/**
 * FailedRecordSink on SQS: the consumer's on-failure queue (ON_FAILURE_QUEUE_URL), the same queue
 * the event source mapping sends records to once its retries are exhausted, so operators look in
 * one place. Locally the queue is ElasticMQ behind AWS_ENDPOINT_URL_SQS.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { requireEnv } from '../env';
import type { FailedRecord, FailedRecordSink } from '../ports/failed-record-sink';
import { sqsClient } from './clients';

export class SqsFailedRecordSink implements FailedRecordSink {
  public constructor(
    private readonly queueUrl: string,
    private readonly client: Pick<SQSClient, 'send'> = sqsClient(),
  ) {}

  public async send(record: FailedRecord): Promise<void> {
    await this.client.send(
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
