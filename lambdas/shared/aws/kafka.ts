/**
 * MSK control-plane client (GetBootstrapBrokers), traced with X-Ray; the SDK reads
 * AWS_ENDPOINT_URL_KAFKA itself. The producer imports this module dynamically, only when it has to
 * look the brokers up, so the command is re-exported from here: a dynamic `import()` of
 * `@aws-sdk/client-kafka` itself would keep every command of the package in the bundle.
 */
import { KafkaClient } from '@aws-sdk/client-kafka';
import { tracer } from '../observability';
import { lazy } from './lazy';
import { awsRegion } from './region';

export { GetBootstrapBrokersCommand } from '@aws-sdk/client-kafka';

export const kafkaClient = /* @__PURE__ */ lazy(() =>
  tracer.captureAWSv3Client(new KafkaClient({ region: awsRegion() })),
);
