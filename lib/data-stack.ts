import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  AVAILABILITY_ZONES_CONTEXT,
  type AvailabilityZones,
  availabilityZonesFrom,
  type StageConfig,
} from './config/stages';
import { KafkaCluster } from './constructs/kafka-cluster';
import { KafkaTopics } from './constructs/kafka-topics';
import { PipelineNetwork, PRIVATE_SUBNET_GROUP } from './constructs/network';
import { PipelineTables } from './constructs/pipeline-tables';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
  /**
   * The zones of the subnets and brokers, pinned by name: for an account whose first three zones
   * include one MSK does not support (use1-az3 in us-east-1), or to keep the zones fixed.
   * @default the `availabilityZones` context value, else the region's first three zones at deployment
   */
  readonly availabilityZones?: AvailabilityZones;
}

/**
 * The long-lived half of the pipeline: network, Kafka cluster and topics, tables, the encryption
 * key and the alarm topic. It changes rarely, so the application stack can be redeployed freely.
 */
export class DataStack extends Stack {
  public readonly config: StageConfig;
  public readonly vpc: ec2.IVpc;
  /** In-VPC functions and their MSK event source mappings use it; brokers accept it on 9098. */
  public readonly lambdaSecurityGroup: ec2.ISecurityGroup;
  /** The subnets functions and brokers live in (one isolated subnet per zone). */
  public readonly privateSubnets: ec2.SubnetSelection;
  public readonly clusterArn: string;
  public readonly clusterName: string;
  public readonly encryptionKey: kms.IKey;
  public readonly tables: PipelineTables;
  public readonly alarmTopic: sns.ITopic;
  public readonly kafka: KafkaCluster;
  public readonly topics: KafkaTopics;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const key = new kms.Key(this, 'EncryptionKey', {
      description: `${config.namePrefix}: Kafka volumes, tables, queues and alarm topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy,
    });
    // CloudWatch alarms publish to the encrypted alarm topic, so the service must use the key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.encryptionKey = key;

    const network = new PipelineNetwork(this, 'Network', {
      config,
      availabilityZones:
        props.availabilityZones ?? availabilityZonesFrom(this.node.tryGetContext(AVAILABILITY_ZONES_CONTEXT)),
    });
    this.vpc = network.vpc;
    this.lambdaSecurityGroup = network.lambdaSecurityGroup;
    this.privateSubnets = { subnetGroupName: PRIVATE_SUBNET_GROUP };

    this.kafka = new KafkaCluster(this, 'Kafka', {
      config,
      vpc: network.vpc,
      subnets: this.privateSubnets,
      clientSecurityGroup: network.lambdaSecurityGroup,
      encryptionKey: key,
    });
    this.clusterArn = this.kafka.clusterArn;
    this.clusterName = this.kafka.clusterName;
    this.topics = new KafkaTopics(this, 'Topics', {
      clusterArn: this.kafka.clusterArn,
      retain: config.retainData,
    });

    this.tables = new PipelineTables(this, 'Tables', { config, encryptionKey: key });

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${config.namePrefix} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
  }
}
