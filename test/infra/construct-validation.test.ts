import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../lib/config/stages';
import { KafkaCluster, SERVER_PROPERTIES, serverPropertiesFile } from '../../lib/constructs/kafka-cluster';
import { encodeTopicConfigs } from '../../lib/constructs/kafka-topics';
import { PipelineNetwork } from '../../lib/constructs/network';
import { retentionDays } from '../../lib/constructs/retention';

function stackFor(): Stack {
  return new Stack(new App({ builtinCloudFormationValidation: false }), 'ValidationTest');
}

describe('construct input validation', () => {
  it('rejects pinned availability zones that are not distinct, naming them', () => {
    // Prepare
    const availabilityZones = ['eu-central-1a', 'eu-central-1a', 'eu-central-1b'] as const;

    // Act
    const build = () => new PipelineNetwork(stackFor(), 'Network', { config: STAGES.dev, availabilityZones });

    // Assess
    expect(build).toThrow(
      /three distinct availability zones, got: eu-central-1a, eu-central-1a, eu-central-1b/,
    );
  });

  it('rejects a broker subnet selection that is not one subnet per zone', () => {
    // Prepare
    const stack = stackFor();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      availabilityZones: ['eu-central-1a', 'eu-central-1b'],
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });

    // Act
    const build = () =>
      new KafkaCluster(stack, 'Kafka', {
        config: STAGES.dev,
        vpc,
        subnets: { subnetGroupName: 'private' },
        clientSecurityGroup: new ec2.SecurityGroup(stack, 'Clients', { vpc }),
        encryptionKey: new kms.Key(stack, 'Key'),
      });

    // Assess
    expect(build).toThrow('The Kafka cluster needs exactly 3 broker subnets (one per zone), got 2');
  });

  it('rejects a log retention CloudWatch Logs does not offer', () => {
    // Act
    const convert = () => retentionDays(15);

    // Assess
    expect(convert).toThrow(
      /Log retention of 15 days is not one CloudWatch Logs offers; choose one of 1, 3, 5, 7, 14/,
    );
    expect(retentionDays(14)).toBe(14);
  });

  it('writes the broker configuration as one key=value line per setting', () => {
    // Act
    const file = serverPropertiesFile();

    // Assess
    expect(file.endsWith('\n')).toBe(true);
    expect(file.trim().split('\n')).toHaveLength(Object.keys(SERVER_PROPERTIES).length);
    expect(file).toContain('auto.create.topics.enable=false\n');
  });

  it('encodes topic configs as base64 JSON that decodes back to the same settings', () => {
    // Prepare
    const configs = { 'retention.ms': '259200000', 'cleanup.policy': 'delete' };

    // Act
    const encoded = encodeTopicConfigs(configs);

    // Assess
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual(configs);
  });
});
