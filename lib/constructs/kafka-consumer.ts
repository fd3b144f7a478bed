/**
 * A Kafka consumer of the pipeline: its function, one MSK event source mapping per subscribed topic
 * with the settings of its ConsumerSpec, an on-failure queue, and IAM scoped to the exact cluster,
 * topics and consumer group. Also the producer grant, so both sides of Kafka IAM live in one module.
 */
import { ArnFormat, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type ConsumerSpec, isValidConsumerGroupId } from '../config/consumers';
import type { StageConfig } from '../config/stages';
import type { TopicName } from '../config/topics';
import { PipelineFunction, type PipelineFunctionNetwork } from './pipeline-function';

/** The MSK cluster as the rest of the app knows it: its ARN and name (both may be tokens). */
export interface MskClusterRef {
  readonly clusterArn: string;
  readonly clusterName: string;
}

/** Days the on-failure queue keeps a record: the SQS maximum, time enough to inspect and redrive. */
export const FAILURE_QUEUE_RETENTION = Duration.days(14);

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
  topics: readonly TopicName[],
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
 * The on-failure destination of a mapping. Unlike `SqsDlq`, it grants nothing: the consumer grants
 * send rights itself with exact KMS actions.
 */
export function failureQueueDestination(queue: sqs.IQueue): lambda.IEventSourceDlq {
  return { bind: () => ({ destination: queue.queueArn }) };
}

export interface KafkaConsumerProps {
  readonly config: StageConfig;
  readonly spec: ConsumerSpec;
  readonly cluster: MskClusterRef;
  /** Customer key of the on-failure queue. */
  readonly encryptionKey: kms.IKey;
  readonly description: string;
  /**
   * Variables on top of ON_FAILURE_QUEUE_URL and the pipeline defaults.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Network placement, for consumers that also publish to Kafka. The mapping itself reaches the
   * brokers through the cluster's own subnets, so a pure consumer needs no VPC.
   * @default - not in a VPC
   */
  readonly network?: PipelineFunctionNetwork;
  /**
   * Topics the consumer publishes to; grants idempotent produce rights and sets MSK_CLUSTER_ARN.
   * @default - publishes nothing
   */
  readonly publishesTo?: readonly TopicName[];
  /**
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * @default 512
   */
  readonly memorySize?: number;
}

/** Turns a topic name such as `orders.events` into a construct id such as `OrdersEvents`. */
export function topicConstructId(topic: string): string {
  return topic
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

export class KafkaConsumer extends Construct {
  readonly spec: ConsumerSpec;
  readonly pipelineFunction: PipelineFunction;
  readonly fn: lambda.IFunction;
  /** One mapping per topic of the spec, in the spec's order. */
  readonly mappings: readonly lambda.EventSourceMapping[];
  /** Records that exhausted their retries or their maximum age, with the failure's metadata. */
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: KafkaConsumerProps) {
    super(scope, id);
    const { spec, config, cluster } = props;
    if (!isValidConsumerGroupId(spec.consumerGroupId)) {
      throw new Error(
        `Consumer group id of ${spec.name} must be 1-200 printable ASCII characters without ':', got '${spec.consumerGroupId}'`,
      );
    }
    if (spec.topics.length === 0) {
      throw new Error(`Consumer ${spec.name} subscribes to no topic`);
    }
    this.spec = spec;

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      queueName: `${config.namePrefix}-${spec.name}-failures`,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: FAILURE_QUEUE_RETENTION,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the event source mapping (on-failure) and of ' +
        'poison records; a DLQ of a DLQ would only move the same records again. Its depth is alarmed.',
    });

    this.pipelineFunction = new PipelineFunction(this, 'Function', {
      config,
      pipelineName: spec.name,
      entry: spec.entry,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout ?? Duration.seconds(60),
      network: props.network,
      environment: {
        ON_FAILURE_QUEUE_URL: this.failureQueue.queueUrl,
        ...(props.publishesTo && props.publishesTo.length > 0 ? { MSK_CLUSTER_ARN: cluster.clusterArn } : {}),
        ...props.environment,
      },
    });
    this.fn = this.pipelineFunction.function;
    const role = this.pipelineFunction.role;
    // Poison records are sent by the handler itself, exhausted batches by the mapping with this role.
    // Explicit actions instead of grantSendMessages, which adds kms:GenerateDataKey* and ReEncrypt*.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendToFailureQueue',
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [this.failureQueue.queueArn],
      }),
    );
    props.encryptionKey.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');

    this.grantConsume(role, cluster, spec);
    if (props.publishesTo && props.publishesTo.length > 0) {
      grantKafkaProduce(this, role, cluster, props.publishesTo);
    }

    const onFailure = failureQueueDestination(this.failureQueue);
    this.mappings = spec.topics.map((topic) => {
      const mapping = new lambda.EventSourceMapping(this, `Mapping${topicConstructId(topic)}`, {
        target: this.fn,
        eventSourceArn: cluster.clusterArn,
        kafkaTopic: topic,
        kafkaConsumerGroupId: spec.consumerGroupId,
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
      });
      // The mapping validates its permissions when it is created: the role's policies must exist first.
      mapping.node.addDependency(role);
      return mapping;
    });
  }

  private grantConsume(role: iam.Role, cluster: MskClusterRef, spec: ConsumerSpec): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KafkaConsumerCluster',
        actions: [
          'kafka-cluster:Connect',
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
        resources: [kafkaGroupArn(this, cluster, spec.consumerGroupId)],
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
