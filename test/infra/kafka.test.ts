import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CONSUMERS } from '../../lib/config/consumers';
import { STAGES } from '../../lib/config/stages';
import {
  ALL_TOPICS,
  DEAD_LETTER_RETENTION_DAYS,
  MIN_IN_SYNC_REPLICAS,
  REPLICATION_FACTOR,
  retentionMs,
} from '../../lib/config/topics';
import { MSK_IAM_TLS_PORT } from '../../lib/constructs/kafka-cluster';
import { synthPipeline } from './synth';

describe('MSK cluster and topics (data stack)', () => {
  // Prepare
  const { stacks, template: templateOf } = synthPipeline('dev');
  const template = templateOf(stacks.data);
  const config = STAGES.dev;
  const [clusterId, cluster] = Object.entries(template.findResources('AWS::MSK::Cluster'))[0]!;
  const props = cluster.Properties;

  it('runs three brokers of the stage size, one in each private subnet', () => {
    // Prepare
    const subnetIds = Object.keys(template.findResources('AWS::EC2::Subnet')).map((id) => ({ Ref: id }));

    // Assess
    expect(props.NumberOfBrokerNodes).toBe(3);
    expect(props.BrokerNodeGroupInfo.InstanceType).toBe(config.brokerInstanceType);
    expect(props.BrokerNodeGroupInfo.ClientSubnets).toHaveLength(3);
    expect(props.BrokerNodeGroupInfo.ClientSubnets).toEqual(expect.arrayContaining(subnetIds));
    expect(props.BrokerNodeGroupInfo.StorageInfo.EBSStorageInfo.VolumeSize).toBe(config.brokerVolumeGiB);
  });

  it('authenticates clients with IAM only and encrypts in transit with TLS only', () => {
    // Assess
    expect(props.ClientAuthentication).toEqual({
      Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } },
      Unauthenticated: { Enabled: false },
    });
    expect(props.EncryptionInfo.EncryptionInTransit).toEqual({ ClientBroker: 'TLS', InCluster: true });
  });

  it('encrypts at rest with the rotating customer managed key', () => {
    // Prepare
    const [keyId] = Object.keys(
      template.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } }),
    );

    // Assess
    expect(props.EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId).toEqual({
      'Fn::GetAtt': [keyId, 'Arn'],
    });
  });

  it('sends broker logs to CloudWatch and publishes per-partition metrics for consumer lag', () => {
    // Assess
    expect(props.EnhancedMonitoring).toBe('PER_TOPIC_PER_PARTITION');
    expect(props.LoggingInfo.BrokerLogs.CloudWatchLogs.Enabled).toBe(true);
    const logGroupId = props.LoggingInfo.BrokerLogs.CloudWatchLogs.LogGroup.Ref;
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: config.logRetentionDays },
    });
    expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]).toBeDefined();
  });

  it('applies the durability configuration: RF 3, min ISR 2, no auto-created topics, no unclean election', () => {
    // Prepare
    const [configurationId, configuration] = Object.entries(
      template.findResources('AWS::MSK::Configuration'),
    )[0]!;
    const lines = String(configuration.Properties.ServerProperties).trim().split('\n');

    // Assess
    expect(lines.sort()).toEqual(
      [
        `default.replication.factor=${REPLICATION_FACTOR}`,
        `min.insync.replicas=${MIN_IN_SYNC_REPLICAS}`,
        'auto.create.topics.enable=false',
        'unclean.leader.election.enable=false',
      ].sort(),
    );
    expect(configuration.Properties.KafkaVersionsList).toEqual([props.KafkaVersion]);
    expect(props.ConfigurationInfo).toEqual({
      Arn: { 'Fn::GetAtt': [configurationId, 'Arn'] },
      Revision: { 'Fn::GetAtt': [configurationId, 'LatestRevision.Revision'] },
    });
  });

  it('admits only the Lambda security group and its own pollers on the TLS + IAM port', () => {
    // Prepare
    const brokerGroup = props.BrokerNodeGroupInfo.SecurityGroups[0]['Fn::GetAtt'][0];

    // Act
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (rule) => rule.Properties.GroupId['Fn::GetAtt'][0] === brokerGroup,
    );

    // Assess
    expect(ingress).toHaveLength(2);
    for (const rule of ingress) {
      expect(rule.Properties).toMatchObject({
        IpProtocol: 'tcp',
        FromPort: MSK_IAM_TLS_PORT,
        ToPort: MSK_IAM_TLS_PORT,
      });
      expect(rule.Properties.CidrIp).toBeUndefined();
    }
  });

  it.each(ALL_TOPICS.map((topic) => [topic.name, topic] as const))(
    'declares topic %s with the catalogue partitions, RF 3 and retention',
    (name, topic) => {
      // Act
      const topics = template.findResources('AWS::MSK::Topic', { Properties: { TopicName: name } });

      // Assess
      const [declared] = Object.values(topics);
      expect(declared?.Properties).toMatchObject({
        ClusterArn: { 'Fn::GetAtt': [clusterId, 'Arn'] },
        PartitionCount: topic.partitions,
        ReplicationFactor: REPLICATION_FACTOR,
      });
      const configs = JSON.parse(Buffer.from(declared!.Properties.Configs, 'base64').toString('utf8'));
      expect(configs).toEqual({
        'retention.ms': String(retentionMs(topic)),
        'min.insync.replicas': String(MIN_IN_SYNC_REPLICAS),
        'cleanup.policy': 'delete',
      });
    },
  );

  it.each(CONSUMERS.map((spec) => [spec.name, spec.deadLetterTopic] as const))(
    'declares the dead-letter topic of %s (%s), keeping records 14 days',
    (_name, topic) => {
      // Act
      const [declared] = Object.values(
        template.findResources('AWS::MSK::Topic', { Properties: { TopicName: topic } }),
      );

      // Assess
      const configs = JSON.parse(Buffer.from(declared!.Properties.Configs, 'base64').toString('utf8'));
      expect(configs['retention.ms']).toBe(String(DEAD_LETTER_RETENTION_DAYS * 24 * 60 * 60 * 1000));
      expect(DEAD_LETTER_RETENTION_DAYS).toBe(14);
    },
  );

  it('declares no topic outside the catalogue', () => {
    // Assess
    template.resourceCountIs('AWS::MSK::Topic', ALL_TOPICS.length);
    template.hasResourceProperties('AWS::MSK::Topic', {
      TopicName: Match.stringLikeRegexp('^[a-z]+\\.[a-z]+$'),
    });
  });

  it('sizes prod brokers from the prod stage and keeps prod topics and cluster on stack deletion', () => {
    // Prepare
    const prod = synthPipeline('prod');
    const prodTemplate = prod.template(prod.stacks.data);

    // Act
    const [prodCluster] = Object.values(prodTemplate.findResources('AWS::MSK::Cluster'));
    const prodTopics = Object.values(prodTemplate.findResources('AWS::MSK::Topic'));

    // Assess
    expect(prodCluster?.Properties.BrokerNodeGroupInfo.InstanceType).toBe(STAGES.prod.brokerInstanceType);
    expect(prodCluster?.Properties.BrokerNodeGroupInfo.StorageInfo.EBSStorageInfo.VolumeSize).toBe(
      STAGES.prod.brokerVolumeGiB,
    );
    expect(prodCluster?.DeletionPolicy).toBe('Retain');
    expect(prodTopics.map((topic) => topic.DeletionPolicy)).toEqual(ALL_TOPICS.map(() => 'Retain'));
    expect(cluster.DeletionPolicy).toBe('Delete');
  });
});
