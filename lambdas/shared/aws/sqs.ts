/**
 * SQS client, traced with X-Ray. The SDK reads AWS_ENDPOINT_URL_SQS itself (ElasticMQ in the local
 * mode).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../observability';
import { lazy } from './lazy';
import { awsRegion } from './region';

// The failed-record sink imports this module dynamically; re-exported so it need not import
// `@aws-sdk/client-sqs` dynamically, which would keep every SQS command in the bundle.
export { SendMessageCommand } from '@aws-sdk/client-sqs';

export const sqsClient = /* @__PURE__ */ lazy(() =>
  tracer.captureAWSv3Client(new SQSClient({ region: awsRegion() })),
);
