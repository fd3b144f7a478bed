/**
 * A Kafka consumer of the pipeline: its function, one MSK event source mapping per subscribed topic
 * (each in its own consumer group) with the settings of its ConsumerSpec, its dead-letter topic as
 * every mapping's on-failure destination, and IAM scoped to the exact cluster, topics and consumer
 * groups. Also the producer grant and the lag-reading grant, so every side of Kafka IAM lives in
 * one module.
 */
import { ArnFormat, Duration, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KafkaDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import {
  type ConsumerMapping,
  type ConsumerSpec,
  checkConsumerMappings,
  consumerLevelGroupId,
  mappingDeclarationsOf,
} from '../config/consumers';
import { SETTING_ENV_VARS } from '../config/functions';
import type { StageConfig } from '../config/stages';
import { PipelineFunction, type PipelineFunctionNetwork } from './pipeline-function';

/** The MSK cluster as the rest of the app knows it: its ARN and name (both may be tokens). */
export interface MskClusterRef {
  readonly clusterArn: string;
  readonly clusterName: string;
}

/** The metrics every mapping publishes: event counts, errors and the Kafka consumer metrics (offset lag). */
export const MAPPING_METRICS: readonly lambda.MetricType[] = [
  lambda.MetricType.EVENT_COUNT,
  lambda.MetricType.ERROR_COUNT,
  lambda.MetricType.KAFKA_METRICS,
];

/** Cluster UUID: the last segment of `arn:...:cluster/<name>/<uuid>`; topic and group ARNs need it. */
export function clusterUuid(cluster: MskClusterRef): string {
  return Fn.select(2, Fn.split('/', cluster.clusterArn));
}

/** `arn:<partition>:kafka:<region>:<account>:topic/<cluster name>/<cluster uuid>/<topic>` */
export function kafkaTopicArn(scope: Construct, cluster: MskClusterRef, topic: string): string {
  return Stack.of(scope).formatArn({
    service: 'kafka',
    resource: 'topic',
    resourceName: `${cluster.clusterName}/${clusterUuid(cluster)}/${topic}`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** `arn:<partition>:kafka:<region>:<account>:group/<cluster name>/<cluster uuid>/<group id>` */
export function kafkaGroupArn(scope: Construct, cluster: MskClusterRef, groupId: string): string {
  return Stack.of(scope).formatArn({
    service: 'kafka',
    resource: 'group',
    resourceName: `${cluster.clusterName}/${clusterUuid(cluster)}/${groupId}`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/**
 * Lets a function publish to exactly these topics with an idempotent producer over IAM auth.
 * WriteDataIdempotently is authorised on the cluster, not on topics (it covers InitProducerId).
 */
export function grantKafkaProduce(
  scope: Construct,
  grantee: iam.IGrantable,
  cluster: MskClusterRef,
  topics: readonly string[],
): void {
  if (topics.length === 0) {
    throw new Error(`grantKafkaProduce needs at least one topic, got ${JSON.stringify(topics)}`);
  }
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'KafkaProducerCluster',
      actions: [
        'kafka-cluster:Connect',
        'kafka-cluster:WriteDataIdempotently',
        'kafka:DescribeClusterV2',
        'kafka:GetBootstrapBrokers',
      ],
      resources: [cluster.clusterArn],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'KafkaProducerTopics',
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      resources: [...new Set(topics)].map((topic) => kafkaTopicArn(scope, cluster, topic)),
    }),
  );
}

/**
 * Lets a function read the consumer lag of these mappings, and nothing more: Connect to the
 * cluster, DescribeTopic on their topics (Metadata and ListOffsets: the end offsets) and
 * DescribeGroup on their groups (FindCoordinator and OffsetFetch: the committed offsets). Without
 * ReadData or AlterGroup it can neither consume a record nor move an offset. The actions, what
 * each requires and their resources: MSK Developer Guide, "Semantics of IAM authorization policy
 * actions and resources", https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html.
 * kafka:GetBootstrapBrokers (the control plane) tells the client where the IAM brokers are.
 */
export function grantKafkaLagRead(
  scope: Construct,
  grantee: iam.IGrantable,
  cluster: MskClusterRef,
  mappings: readonly ConsumerMapping[],
): void {
  if (mappings.length === 0) {
    throw new Error(`grantKafkaLagRead needs at least one mapping, got ${JSON.stringify(mappings)}`);
  }
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'KafkaLagReadCluster',
      actions: ['kafka-cluster:Connect', 'kafka:GetBootstrapBrokers'],
      resources: [cluster.clusterArn],
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'KafkaLagReadTopics',
      actions: ['kafka-cluster:DescribeTopic'],
      resources: [...new Set(mappings.map((mapping) => mapping.topic))].map((topic) =>
        kafkaTopicArn(scope, cluster, topic),
      ),
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'KafkaLagReadGroups',
      actions: ['kafka-cluster:DescribeGroup'],
      resources: [...new Set(mappings.map((mapping) => mapping.consumerGroupId))].map((group) =>
        kafkaGroupArn(scope, cluster, group),
      ),
    }),
  );
}

export interface KafkaConsumerProps {
  readonly config: StageConfig;
  readonly spec: ConsumerSpec;
  readonly cluster: MskClusterRef;
  /**
   * Variables on top of DEAD_LETTER_TOPIC, MSK_CLUSTER_ARN and the pipeline defaults.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Network placement. The mapping reaches the brokers through the cluster's own subnets, but the
   * function itself produces to Kafka (its poison records to the dead-letter topic, and the spec's
   * `publishesTo`), so it runs in the VPC next to the brokers.
   */
  readonly network: PipelineFunctionNetwork;
  /**
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Whether the mappings that read in a topic's own group invoke the function through the
   * `SHARED_GROUP_MIGRATION_ALIAS` alias instead of the function itself. Needed once, on a stack
   * that still has the mappings of the shared consumer groups: Lambda refuses a second mapping of
   * the same function and topic, and CloudFormation creates the new mapping before it deletes the
   * old one, so the new one must invoke another function identity (an alias) for the overlap.
   * @default false
   */
  readonly invokeThroughMigrationAlias?: boolean;
}

/** The alias the own-group mappings invoke while the shared-group mappings are being replaced. */
export const SHARED_GROUP_MIGRATION_ALIAS = 'shared-group-migration';

/** One mapping of a consumer with the event source mapping built for it. */
export interface KafkaConsumerMapping extends ConsumerMapping {
  readonly eventSourceMapping: lambda.EventSourceMapping;
}

/** Turns a topic name such as `orders.events` into a construct id such as `OrdersEvents`. */
export function topicConstructId(topic: string): string {
  return topic
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Construct id of a mapping: `Mapping<Topic>` for the mapping of a one-topic consumer in its
 * consumer-level group (as first deployed), `Mapping<Topic>OwnGroup` for a mapping in a group of
 * its own topic. The id changes whenever the group does: a group id cannot be updated, so a new
 * group means a new mapping, and under the old logical id CloudFormation would create that
 * replacement while the old mapping of the same function and topic still exists, which Lambda
 * refuses.
 */
export function mappingConstructId(spec: Pick<ConsumerSpec, 'name'>, mapping: ConsumerMapping): string {
  const topicId = topicConstructId(mapping.topic);
  return readsInOwnGroup(spec, mapping) ? `Mapping${topicId}OwnGroup` : `Mapping${topicId}`;
}

/** Whether the mapping reads in a group of its own topic rather than the consumer-level group. */
export function readsInOwnGroup(spec: Pick<ConsumerSpec, 'name'>, mapping: ConsumerMapping): boolean {
  return mapping.consumerGroupId !== consumerLevelGroupId(spec.name);
}

export class KafkaConsumer extends Construct {
  readonly spec: ConsumerSpec;
  readonly pipelineFunction: PipelineFunction;
  readonly fn: lambda.IFunction;
  /** One mapping per topic of the spec, in the spec's order. */
  readonly mappings: readonly KafkaConsumerMapping[];
  /** The alias own-group mappings invoke during the shared-group migration, when enabled. */
  readonly migrationAlias?: lambda.Alias;
  /** The topic records the consumer gave up on go to, with their content and the failure's metadata. */
  readonly deadLetterTopic: string;

  constructor(scope: Construct, id: string, props: KafkaConsumerProps) {
    super(scope, id);
    const { spec, config, cluster } = props;
    if (spec.mappings.length === 0) {
      throw new Error(`Consumer ${spec.name} subscribes to no topic`);
    }
    checkConsumerMappings(mappingDeclarationsOf([spec]));
    this.spec = spec;

    this.deadLetterTopic = spec.deadLetterTopic;

    this.pipelineFunction = new PipelineFunction(this, 'Function', {
      config,
      spec,
      memorySize: props.memorySize,
      timeout: props.timeout ?? Duration.seconds(60),
      network: props.network,
      environment: {
        [SETTING_ENV_VARS.deadLetterTopic]: spec.deadLetterTopic,
        [SETTING_ENV_VARS.mskClusterArn]: cluster.clusterArn,
        ...props.environment,
      },
    });
    this.fn = this.pipelineFunction.function;
    const role = this.pipelineFunction.role;
    this.grantConsume(role, cluster, spec);
    // Both write to the dead-letter topic with this role: the mapping (Lambda acts as the producer
    // of a Kafka on-failure destination and needs kafka-cluster:WriteData on it, Lambda guide,
    // "Using a Kafka topic as an on-failure destination", Requirements and limitations,
    // https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html) and the
    // handler's idempotent producer, for poison records.
    grantKafkaProduce(this, role, cluster, [...(spec.publishesTo ?? []), spec.deadLetterTopic]);

    // A Kafka destination is available only to mappings in provisioned mode, which every mapping
    // here is (provisionedPollerConfig below).
    const onFailure = new KafkaDlq(spec.deadLetterTopic);
    if (
      props.invokeThroughMigrationAlias &&
      spec.mappings.some((mapping) => readsInOwnGroup(spec, mapping))
    ) {
      this.migrationAlias = new lambda.Alias(this, 'SharedGroupMigrationAlias', {
        aliasName: SHARED_GROUP_MIGRATION_ALIAS,
        version: this.pipelineFunction.function.currentVersion,
        description: 'Invoked by the own-group mappings while the shared-group mappings are replaced',
      });
    }
    this.mappings = spec.mappings.map((consumerMapping) => {
      const target =
        this.migrationAlias && readsInOwnGroup(spec, consumerMapping) ? this.migrationAlias : this.fn;
      const eventSourceMapping = new lambda.EventSourceMapping(
        this,
        mappingConstructId(spec, consumerMapping),
        {
          target,
          eventSourceArn: cluster.clusterArn,
          kafkaTopic: consumerMapping.topic,
          kafkaConsumerGroupId: consumerMapping.consumerGroupId,
          // A new group has no committed offsets, so it starts here: at the oldest retained record,
          // never skipping one (LATEST can miss records while a new mapping starts polling).
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          batchSize: spec.batchSize,
          maxBatchingWindow: Duration.seconds(spec.maxBatchingWindowSeconds),
          bisectBatchOnError: true,
          retryAttempts: spec.maxRetryAttempts,
          maxRecordAge: Duration.seconds(spec.maxRecordAgeSeconds),
          reportBatchItemFailures: true,
          onFailure,
          provisionedPollerConfig: { minimumPollers: config.pollers.min, maximumPollers: config.pollers.max },
          metricsConfig: { metrics: [...MAPPING_METRICS] },
        },
      );
      // The mapping validates its permissions when it is created: the role's policies must exist first.
      eventSourceMapping.node.addDependency(role);
      return { ...consumerMapping, eventSourceMapping };
    });
  }

  private grantConsume(role: iam.Role, cluster: MskClusterRef, spec: ConsumerSpec): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KafkaConsumerCluster',
        actions: [
          'kafka-cluster:Connect',
          // Listed for the mapping's pollers in the Kafka on-failure destination's example policy.
          'kafka-cluster:DescribeCluster',
          'kafka-cluster:DescribeClusterDynamicConfiguration',
          'kafka:DescribeClusterV2',
          'kafka:GetBootstrapBrokers',
        ],
        resources: [cluster.clusterArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KafkaConsumerTopics',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: spec.topics.map((topic) => kafkaTopicArn(this, cluster, topic)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KafkaConsumerGroup',
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resources: spec.mappings.map((mapping) => kafkaGroupArn(this, cluster, mapping.consumerGroupId)),
      }),
    );
    // The MSK mapping's pollers attach to the cluster's subnets with this role's rights. EC2 does
    // not support resource-level permissions for the Describe actions (suppressed on the role).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EventSourceMappingNetwork',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
        ],
        resources: ['*'],
      }),
    );
  }
}
