/**
 * Step Functions client, traced with X-Ray. The SDK reads AWS_ENDPOINT_URL_SFN itself (the local
 * Step Functions endpoint in the local mode).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { tracer } from '../observability';
import { lazy } from './lazy';
import { awsRegion } from './region';

export const sfnClient = /* @__PURE__ */ lazy(() =>
  tracer.captureAWSv3Client(new SFNClient({ region: awsRegion() })),
);
