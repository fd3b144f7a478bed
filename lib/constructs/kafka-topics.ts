import { RemovalPolicy } from 'aws-cdk-lib';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import {
  ALL_TOPICS,
  MIN_IN_SYNC_REPLICAS,
  REPLICATION_FACTOR,
  retentionMs,
  type TopicSpec,
} from '../config/topics';

/** Per-topic Kafka settings derived from the catalogue entry. */
export function topicConfigs(topic: TopicSpec): Record<string, string> {
  return {
    'retention.ms': String(retentionMs(topic)),
    'min.insync.replicas': String(MIN_IN_SYNC_REPLICAS),
    // Compaction would drop events of an order: the topics are logs, never tables.
    'cleanup.policy': 'delete',
  };
}

/** `AWS::MSK::Topic` wants the topic configuration as base64 of its JSON form. */
export function encodeTopicConfigs(configs: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(configs), 'utf8').toString('base64');
}

export interface KafkaTopicsProps {
  readonly clusterArn: string;
  /** @default ALL_TOPICS, the catalogue in lib/config/topics.ts */
  readonly topics?: readonly TopicSpec[];
  /** Keep the topics (and their records) when the stack is deleted. */
  readonly retain: boolean;
}

/** Every topic of the catalogue as an `AWS::MSK::Topic`, keyed by topic name. */
export class KafkaTopics extends Construct {
  public readonly topics: ReadonlyMap<string, msk.CfnTopic>;

  constructor(scope: Construct, id: string, props: KafkaTopicsProps) {
    super(scope, id);
    const topics = new Map<string, msk.CfnTopic>();
    for (const spec of props.topics ?? ALL_TOPICS) {
      // The construct id is the topic name: stable, and renaming a topic is a new topic anyway.
      const topic = new msk.CfnTopic(this, spec.name, {
        clusterArn: props.clusterArn,
        topicName: spec.name,
        partitionCount: spec.partitions,
        replicationFactor: REPLICATION_FACTOR,
        configs: encodeTopicConfigs(topicConfigs(spec)),
      });
      topic.applyRemovalPolicy(props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
      topics.set(spec.name, topic);
    }
    this.topics = topics;
  }
}
