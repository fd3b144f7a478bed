/**
 * AWS SDK clients, created once per container on first use and traced with X-Ray. Endpoints are
 * never configured here: the SDK reads AWS_ENDPOINT_URL_DYNAMODB / _SFN / _SQS / _KAFKA / _SESV2
 * itself, which is how the local mode points the same code at DynamoDB Local, the local Step
 * Functions endpoint and ElasticMQ.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability';

/** Lambda always sets AWS_REGION; the fallback only serves local runs and tests. */
export function awsRegion(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

function lazy<T>(create: () => T): () => T {
  let instance: T | undefined;
  return () => {
    instance ??= create();
    return instance;
  };
}

/** The low-level client; the document client below wraps it. */
export const dynamoDbClient = lazy(() =>
  tracer.captureAWSv3Client(new DynamoDBClient({ region: awsRegion() })),
);

export const documentClient = lazy(() =>
  DynamoDBDocumentClient.from(dynamoDbClient(), {
    // Optional attributes (shippingAddress.line2, reason, ...) are left out instead of failing.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  }),
);

export const sfnClient = lazy(() => tracer.captureAWSv3Client(new SFNClient({ region: awsRegion() })));

export const sqsClient = lazy(() => tracer.captureAWSv3Client(new SQSClient({ region: awsRegion() })));

export const kafkaClient = lazy(() => tracer.captureAWSv3Client(new KafkaClient({ region: awsRegion() })));

export const sesClient = lazy(() => tracer.captureAWSv3Client(new SESv2Client({ region: awsRegion() })));
