/** SES v2 client (customer emails), traced with X-Ray; the SDK reads AWS_ENDPOINT_URL_SESV2 itself. */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../observability';
import { lazy } from './lazy';
import { awsRegion } from './region';

export const sesClient = /* @__PURE__ */ lazy(() =>
  tracer.captureAWSv3Client(new SESv2Client({ region: awsRegion() })),
);
