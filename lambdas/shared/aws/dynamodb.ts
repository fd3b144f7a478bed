/**
 * DynamoDB clients, traced with X-Ray. The SDK reads AWS_ENDPOINT_URL_DYNAMODB itself (DynamoDB
 * Local in the local mode).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability';
import { lazy } from './lazy';
import { awsRegion } from './region';

/** The low-level client; the document client below wraps it. */
export const dynamoDbClient = /* @__PURE__ */ lazy(() =>
  tracer.captureAWSv3Client(new DynamoDBClient({ region: awsRegion() })),
);

export const documentClient = /* @__PURE__ */ lazy(() =>
  DynamoDBDocumentClient.from(dynamoDbClient(), {
    // Optional attributes (shippingAddress.line2, reason, ...) are left out instead of failing.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  }),
);
