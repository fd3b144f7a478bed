import { type CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import { acknowledgeCheckovFinding, LOG_GROUP_KMS_ACKNOWLEDGEMENT } from '../checkov';
import type { StageConfig } from '../config/stages';
import { MIN_IN_SYNC_REPLICAS, REPLICATION_FACTOR } from '../config/topics';
import { retentionDays } from './retention';

/** Kafka version of the brokers; the configuration is pinned to the same version. */
export const KAFKA_VERSION = '3.9.x';

/** MSK port for TLS + IAM (SASL) client connections. */
export const MSK_IAM_TLS_PORT = 9098;

/**
 * Broker settings the pipeline's guarantees rest on: three copies of every record, a write needs
 * two in-sync replicas (acks=all survives one lost broker), topics exist only when declared in the
 * catalogue, and an out-of-sync replica never becomes leader (no silent data loss).
 */
export const SERVER_PROPERTIES: Readonly<Record<string, string>> = {
  'default.replication.factor': String(REPLICATION_FACTOR),
  'min.insync.replicas': String(MIN_IN_SYNC_REPLICAS),
  'auto.create.topics.enable': 'false',
  'unclean.leader.election.enable': 'false',
};

export function serverPropertiesFile(
  properties: Readonly<Record<string, string>> = SERVER_PROPERTIES,
): string {
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

export interface KafkaClusterProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  /** Subnets of the brokers: exactly one per availability zone. */
  readonly subnets: ec2.SubnetSelection;
  /** Clients (functions) that may connect to the brokers. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** Customer managed key for data at rest. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The provisioned MSK cluster: one broker per availability zone, IAM client authentication only,
 * TLS between clients and brokers and between brokers, a customer managed key at rest, broker logs
 * in CloudWatch and per-partition monitoring (consumer lag metrics per group and topic).
 */
export class KafkaCluster extends Construct {
  public readonly cluster: msk.CfnCluster;
  public readonly configuration: msk.CfnConfiguration;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly brokerLogGroup: logs.LogGroup;
  public readonly clusterName: string;
  public readonly clusterArn: string;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    const { config, vpc } = props;
    const subnetIds = vpc.selectSubnets(props.subnets).subnetIds;
    if (subnetIds.length !== 3) {
      throw new Error(
        `The Kafka cluster needs exactly 3 broker subnets (one per zone), got ${subnetIds.length}`,
      );
    }
    this.clusterName = `${config.namePrefix}-events`;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'MSK brokers: TLS + IAM clients only',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      props.clientSecurityGroup,
      ec2.Port.tcp(MSK_IAM_TLS_PORT),
      'Kafka TLS + IAM from pipeline functions',
    );
    // MSK event source mapping pollers use the cluster's own security group, so it admits itself.
    this.securityGroup.addIngressRule(
      this.securityGroup,
      ec2.Port.tcp(MSK_IAM_TLS_PORT),
      'Kafka TLS + IAM from event source mapping pollers',
    );
    // Brokers replicate to each other and answer pollers that run with this group.
    this.securityGroup.addEgressRule(
      this.securityGroup,
      ec2.Port.tcp(MSK_IAM_TLS_PORT),
      'Pollers to brokers',
    );
    this.securityGroup.addEgressRule(
      ec2.Peer.ipv4(config.vpcCidr),
      ec2.Port.tcp(443),
      'Pollers to VPC endpoints',
    );

    this.brokerLogGroup = new logs.LogGroup(this, 'BrokerLogs', {
      retention: retentionDays(config.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeCheckovFinding(this.brokerLogGroup.node.defaultChild as CfnResource, [
      LOG_GROUP_KMS_ACKNOWLEDGEMENT,
    ]);

    this.configuration = new msk.CfnConfiguration(this, 'Configuration', {
      name: `${config.namePrefix}-brokers`,
      description: 'Durability settings of the order pipeline brokers',
      kafkaVersionsList: [KAFKA_VERSION],
      serverProperties: serverPropertiesFile(),
    });

    this.cluster = new msk.CfnCluster(this, 'Resource', {
      clusterName: this.clusterName,
      kafkaVersion: KAFKA_VERSION,
      numberOfBrokerNodes: subnetIds.length,
      brokerNodeGroupInfo: {
        instanceType: config.brokerInstanceType,
        clientSubnets: subnetIds,
        securityGroups: [this.securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: config.brokerVolumeGiB } },
      },
      clientAuthentication: {
        sasl: { iam: { enabled: true }, scram: { enabled: false } },
        unauthenticated: { enabled: false },
      },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: props.encryptionKey.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      // Per-partition monitoring is what publishes the consumer lag metrics per group and topic.
      enhancedMonitoring: 'PER_TOPIC_PER_PARTITION',
      loggingInfo: {
        brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: this.brokerLogGroup.logGroupName } },
      },
      configurationInfo: {
        arn: this.configuration.attrArn,
        revision: this.configuration.attrLatestRevisionRevision,
      },
    });
    this.cluster.applyRemovalPolicy(config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    this.clusterArn = this.cluster.attrArn;
  }
}
