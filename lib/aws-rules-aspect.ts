import { Annotations, type IAspect, Token } from 'aws-cdk-lib';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import {
  AWS_RULES,
  kafkaMappingViolations,
  type RuleViolation,
  sharedConsumerGroupIds,
} from './config/aws-rules';

/**
 * Fails synthesis on what CreateEventSourceMapping would refuse at deploy time, with the rules the
 * local emulator enforces (lib/config/aws-rules.ts): settings out of AWS's ranges, a Kafka mapping
 * with more than one topic, and consumer group ids shared between the Kafka mappings the aspect
 * visits. Values that are still tokens at synth are left to the deploy. Add it with
 * `AspectPriority.READONLY`, so that it sees the tree after every mutating aspect.
 */
export class AwsRulesAspect implements IAspect {
  /** Construct paths per explicit consumer group id, in the order visited. */
  private readonly groups = new Map<string, string[]>();

  visit(node: IConstruct): void {
    if (!(node instanceof CfnEventSourceMapping) || !isKafkaMapping(node)) return;
    const path = node.node.path;
    const groupId = consumerGroupIdOf(node);
    const violations: RuleViolation[] = kafkaMappingViolations(
      {
        id: path,
        topics: node.topics,
        consumerGroupId: groupId,
        batchSize: node.batchSize,
        maximumBatchingWindowInSeconds: node.maximumBatchingWindowInSeconds,
        maximumRetryAttempts: node.maximumRetryAttempts,
        maximumRecordAgeInSeconds: node.maximumRecordAgeInSeconds,
        startingPosition: node.startingPosition,
        startingPositionTimestamp: node.startingPositionTimestamp,
        onFailureDestination: onFailureDestinationOf(node),
        provisionedPollerConfig: node.provisionedPollerConfig,
        functionResponseTypes: node.functionResponseTypes,
      },
      { isUnresolved: (value) => Token.isUnresolved(value) },
    );
    if (typeof groupId === 'string' && !Token.isUnresolved(groupId)) {
      const paths = [...(this.groups.get(groupId) ?? []), path];
      this.groups.set(groupId, paths);
      violations.push(...sharedConsumerGroupIds(paths.map((id) => ({ id, consumerGroupId: groupId }))));
    }
    for (const violation of violations) {
      Annotations.of(node).addError(`${violation.message} (${AWS_RULES[violation.rule].source})`);
    }
  }
}

/** Kafka mappings (MSK and self-managed) are the ones with topics or a Kafka source configuration. */
function isKafkaMapping(node: CfnEventSourceMapping): boolean {
  return (
    node.topics !== undefined ||
    node.amazonManagedKafkaEventSourceConfig !== undefined ||
    node.selfManagedKafkaEventSourceConfig !== undefined ||
    node.selfManagedEventSource !== undefined
  );
}

function consumerGroupIdOf(node: CfnEventSourceMapping): unknown {
  const config = node.amazonManagedKafkaEventSourceConfig ?? node.selfManagedKafkaEventSourceConfig;
  if (config === undefined || Token.isUnresolved(config)) return undefined;
  return (config as { consumerGroupId?: unknown }).consumerGroupId;
}

function onFailureDestinationOf(node: CfnEventSourceMapping): unknown {
  const config = node.destinationConfig;
  if (config === undefined || Token.isUnresolved(config)) return undefined;
  const onFailure = (config as CfnEventSourceMapping.DestinationConfigProperty).onFailure;
  if (onFailure === undefined || Token.isUnresolved(onFailure)) return undefined;
  return (onFailure as CfnEventSourceMapping.OnFailureProperty).destination;
}
