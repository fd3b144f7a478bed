import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS_FILE, TOOL_ENVIRONMENT_FILE } from '../../../local/infra/paths';
import {
  clientConfigOf,
  kafkaEnvironmentOf,
  localTarget,
  localTargetOf,
  OpsError,
  outputOf,
} from '../../../scripts/ops/target';

const LOCAL_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:8083',
  KAFKA_BROKERS: '127.0.0.1:9092',
};

describe('operator tool targets', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ops-target-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tells the operator to start the local mode when npm start has not written its files', () => {
    // Act / Assess
    expect(() => localTarget(dataDir, {})).toThrow(OpsError);
    expect(() => localTarget(dataDir, {})).toThrow(/npm start.*--stage/);
  });

  it("reads the App stack's outputs and points every client at the local parts, never at AWS", () => {
    // Prepare
    writeFileSync(
      join(dataDir, STACK_OUTPUTS_FILE),
      JSON.stringify({
        'OrderPipeline-dev-Data': { Other: 'x' },
        'OrderPipeline-dev-App': { OrdersTableName: 'orders-local' },
      }),
    );
    writeFileSync(join(dataDir, TOOL_ENVIRONMENT_FILE), JSON.stringify(LOCAL_ENVIRONMENT));

    // Act
    const target = localTarget(dataDir, { AWS_PROFILE: 'prod-admin', AWS_REGION: 'eu-west-1' });

    // Assess
    expect(outputOf(target, 'OrdersTableName')).toBe('orders-local');
    expect(clientConfigOf(target, 'SFN')).toEqual({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:8083',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    expect(target.environment.AWS_PROFILE).toBeUndefined();
    expect(kafkaEnvironmentOf(target).KAFKA_BROKERS).toBe('127.0.0.1:9092');
  });

  it("leaves credentials and endpoints to the SDK's own chain on AWS", () => {
    // Prepare
    const target = {
      description: 'stage prod (eu-central-1)',
      outputs: { KafkaClusterArn: 'arn:aws:kafka:eu-central-1:111122223333:cluster/events/abc' },
      environment: { AWS_PROFILE: 'shop-prod', AWS_REGION: 'eu-central-1', AWS_ACCESS_KEY_ID: 'AKIA' },
    };

    // Act
    const config = clientConfigOf(target, 'SFN');
    const kafka = kafkaEnvironmentOf(target);

    // Assess
    expect(config).toEqual({ region: 'eu-central-1' });
    expect(kafka.MSK_CLUSTER_ARN).toBe('arn:aws:kafka:eu-central-1:111122223333:cluster/events/abc');
  });

  it('names a missing output and what to do about it', () => {
    // Prepare
    const target = localTargetOf({}, LOCAL_ENVIRONMENT, {});

    // Act / Assess
    expect(() => outputOf(target, 'LoyaltyFailureQueueUrl')).toThrow(
      'the local mode has no stack output LoyaltyFailureQueueUrl: deploy (or start) the current version first',
    );
  });
});
