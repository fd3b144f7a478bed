/**
 * Reads what the local runtime needs from the synthesized App template: the pipeline's Lambda
 * functions (entry, environment, timeout, memory) and their MSK event source mappings, with every
 * token resolved to a local value. The API definition is read by local/api/api-definition.ts.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  AwsRuleViolationError,
  type KafkaStartingPosition,
  kafkaDestinationTopic,
  kafkaMappingViolations,
  type RuleViolation,
  sharedConsumerGroupIds,
} from '../../lib/config/aws-rules';
import { SETTING_ENV_VARS } from '../../lib/config/functions';
import { type CfnTemplate, isRecord, resourcesOfType } from './cfn-template';
import { TemplateReadError } from './errors';
import { entryOfPipelineFunction } from './function-entries';
import type { LocalResolver } from './local-resources';

export interface LocalFunctionDefinition {
  readonly logicalId: string;
  /** Physical name: the template's FunctionName, else PIPELINE_FUNCTION, else the logical id. */
  readonly functionName: string;
  /** The PIPELINE_FUNCTION tag, when the app set it. */
  readonly pipelineName: string | undefined;
  readonly arn: string;
  /** Absolute path of the TypeScript entry. */
  readonly entry: string;
  /** Exported handler name, from `Handler` (`index.handler` -> `handler`). */
  readonly handlerExport: string;
  /** The function's environment with tokens resolved; an MSK cluster reference becomes KAFKA_BROKERS. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySizeMb: number;
}

export interface SkippedFunction {
  readonly logicalId: string;
  readonly reason: string;
}

export interface ReadFunctionsOptions {
  /** Repository root that entries are relative to. @default process.cwd() */
  readonly repoRoot?: string;
  /** Entries by logical id or pipeline name, ahead of the catalogue (fixture handlers in tests). */
  readonly entryOverrides?: Readonly<Record<string, string>>;
}

/** Lambda's defaults when the template leaves Timeout / MemorySize out. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;

/** Variables the local mode replaces: the cluster ARN means "find the brokers", locally KAFKA_BROKERS. */
const KAFKA_CLUSTER_VARIABLES = new Set([SETTING_ENV_VARS.mskClusterArn]);

export function readFunctions(
  template: CfnTemplate,
  resolver: LocalResolver,
  options: ReadFunctionsOptions = {},
): { functions: LocalFunctionDefinition[]; skipped: SkippedFunction[] } {
  const repoRoot = options.repoRoot ?? process.cwd();
  const functions: LocalFunctionDefinition[] = [];
  const skipped: SkippedFunction[] = [];
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const properties = resource.Properties ?? {};
    const variables = environmentVariablesOf(properties);
    const pipelineName =
      typeof variables[SETTING_ENV_VARS.pipelineFunction] === 'string'
        ? (variables[SETTING_ENV_VARS.pipelineFunction] as string)
        : undefined;
    const relativeEntry =
      options.entryOverrides?.[logicalId] ??
      (pipelineName !== undefined
        ? (options.entryOverrides?.[pipelineName] ?? entryOfPipelineFunction(pipelineName))
        : undefined);
    if (relativeEntry === undefined) {
      // CDK's own helpers (log retention, custom resources) carry no pipeline name: not ours to run.
      skipped.push({
        logicalId,
        reason:
          pipelineName === undefined
            ? `no ${SETTING_ENV_VARS.pipelineFunction} variable`
            : `no entry known for ${SETTING_ENV_VARS.pipelineFunction}=${pipelineName}`,
      });
      continue;
    }
    const entry = isAbsolute(relativeEntry) ? relativeEntry : resolve(repoRoot, relativeEntry);
    if (!existsSync(entry)) {
      skipped.push({ logicalId, reason: `entry ${relativeEntry} does not exist` });
      continue;
    }
    functions.push({
      logicalId,
      functionName: resolver.functionName(logicalId),
      pipelineName,
      arn: resolver.functionArn(logicalId),
      entry,
      handlerExport: handlerExportOf(properties.Handler, logicalId),
      environment: resolveEnvironment(variables, resolver, logicalId),
      timeoutSeconds: numberOr(properties.Timeout, DEFAULT_TIMEOUT_SECONDS),
      memorySizeMb: numberOr(properties.MemorySize, DEFAULT_MEMORY_MB),
    });
  }
  return { functions, skipped };
}

function environmentVariablesOf(properties: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const environment = properties.Environment;
  if (!isRecord(environment) || !isRecord(environment.Variables)) return {};
  return environment.Variables;
}

function resolveEnvironment(
  variables: Record<string, unknown>,
  resolver: LocalResolver,
  logicalId: string,
): Record<string, string> {
  const environment: Record<string, string> = {};
  let usesKafka = false;
  for (const [name, value] of Object.entries(variables)) {
    if (KAFKA_CLUSTER_VARIABLES.has(name) || resolver.referencesKafkaCluster(value)) {
      usesKafka = true;
      continue;
    }
    environment[name] = resolver.resolve(value, `${logicalId}.Environment.${name}`);
  }
  if (usesKafka || 'KAFKA_BROKERS' in variables) environment.KAFKA_BROKERS = resolver.kafkaBrokers.join(',');
  return environment;
}

function handlerExportOf(handler: unknown, logicalId: string): string {
  if (handler === undefined) return 'handler';
  if (typeof handler !== 'string' || !handler.includes('.')) {
    throw new TemplateReadError(
      `${logicalId}.Handler: expected 'file.export', received ${JSON.stringify(handler)}`,
    );
  }
  return handler.slice(handler.lastIndexOf('.') + 1);
}

function numberOr(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : fallback;
}

export type StartingPosition = KafkaStartingPosition;

export interface EventSourceMappingDefinition {
  readonly logicalId: string;
  /** Logical id of the function the mapping invokes. */
  readonly functionLogicalId: string;
  /** Exactly one: AWS refuses a Kafka mapping with more (lib/config/aws-rules.ts). */
  readonly topics: readonly string[];
  /** Unique among all Kafka mappings, as AWS requires. */
  readonly consumerGroupId: string;
  /** The cluster ARN put into the MSK event's `eventSourceArn`. */
  readonly eventSourceArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly startingPosition: StartingPosition;
  /** Epoch seconds, for AT_TIMESTAMP. */
  readonly startingPositionTimestamp: number | undefined;
  /** -1 = infinite, as in AWS. */
  readonly maximumRetryAttempts: number;
  /** -1 = infinite, as in AWS. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
  /** The topic of the mapping's kafka:// on-failure destination, when it has one. */
  readonly onFailureTopic: string | undefined;
  readonly enabled: boolean;
}

/** AWS defaults for Kafka mappings: 100 records, a 500 ms window, infinite retries and age. */
const KAFKA_DEFAULTS = { batchSize: 100, windowSeconds: 0.5, retries: -1, recordAge: -1 } as const;

/**
 * The template's Kafka event source mappings, refused as a whole (AwsRuleViolationError) when any
 * of them breaks a rule CreateEventSourceMapping enforces: shared consumer group ids, more than
 * one topic, settings out of range, a missing starting position.
 */
export function readEventSourceMappings(
  template: CfnTemplate,
  resolver: LocalResolver,
): EventSourceMappingDefinition[] {
  const violations: RuleViolation[] = [];
  const definitions = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    // Only Kafka mappings (MSK and self-managed) have Topics; stream and queue mappings do not.
    .filter(([, resource]) => resource.Properties?.Topics !== undefined)
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const functionLogicalId = resolver.logicalIdOf(properties.FunctionName);
      if (functionLogicalId === undefined) {
        throw new TemplateReadError(
          `${logicalId}.FunctionName: expected a Ref or Fn::GetAtt to a function, received ${JSON.stringify(properties.FunctionName)}`,
        );
      }
      const topics = Array.isArray(properties.Topics)
        ? properties.Topics.map((topic, index) => resolver.resolve(topic, `${logicalId}.Topics[${index}]`))
        : properties.Topics;
      const groupConfig = (properties.AmazonManagedKafkaEventSourceConfig ??
        properties.SelfManagedKafkaEventSourceConfig) as { ConsumerGroupId?: unknown } | undefined;
      const consumerGroupId =
        groupConfig?.ConsumerGroupId === undefined
          ? undefined
          : resolver.resolve(groupConfig.ConsumerGroupId, `${logicalId}.ConsumerGroupId`);
      const destination = (
        properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined
      )?.OnFailure?.Destination;
      const destinationWhere = `${logicalId}.DestinationConfig.OnFailure.Destination`;
      const destinationArn =
        destination === undefined ? undefined : resolver.resolve(destination, destinationWhere);
      violations.push(
        ...kafkaMappingViolations({
          id: logicalId,
          topics,
          consumerGroupId,
          batchSize: properties.BatchSize,
          maximumBatchingWindowInSeconds: properties.MaximumBatchingWindowInSeconds,
          maximumRetryAttempts: properties.MaximumRetryAttempts,
          maximumRecordAgeInSeconds: properties.MaximumRecordAgeInSeconds,
          startingPosition: properties.StartingPosition,
          startingPositionTimestamp: properties.StartingPositionTimestamp,
          onFailureDestination: destinationArn,
          provisionedPollerConfig: properties.ProvisionedPollerConfig,
          functionResponseTypes: properties.FunctionResponseTypes,
        }),
      );
      return {
        logicalId,
        functionLogicalId,
        topics: Array.isArray(topics) ? topics : [],
        // Without a group id AWS uses the mapping's UUID; the logical id is the local equivalent.
        consumerGroupId: consumerGroupId ?? logicalId,
        explicitGroupId: consumerGroupId,
        eventSourceArn:
          properties.EventSourceArn !== undefined
            ? resolver.resolve(properties.EventSourceArn, `${logicalId}.EventSourceArn`)
            : `arn:aws:kafka:${resolver.region}:${resolver.accountId}:cluster/self-managed/local`,
        batchSize: numberOr(properties.BatchSize, KAFKA_DEFAULTS.batchSize),
        maximumBatchingWindowSeconds: numberOr(
          properties.MaximumBatchingWindowInSeconds,
          KAFKA_DEFAULTS.windowSeconds,
        ),
        startingPosition: properties.StartingPosition as StartingPosition,
        startingPositionTimestamp:
          properties.StartingPositionTimestamp === undefined
            ? undefined
            : Number(properties.StartingPositionTimestamp),
        maximumRetryAttempts: numberOr(properties.MaximumRetryAttempts, KAFKA_DEFAULTS.retries),
        maximumRecordAgeSeconds: numberOr(properties.MaximumRecordAgeInSeconds, KAFKA_DEFAULTS.recordAge),
        bisectBatchOnFunctionError: properties.BisectBatchOnFunctionError === true,
        reportBatchItemFailures:
          Array.isArray(properties.FunctionResponseTypes) &&
          properties.FunctionResponseTypes.includes('ReportBatchItemFailures'),
        destinationArn,
        destinationWhere,
        enabled: properties.Enabled !== false,
      };
    });
  violations.push(
    ...sharedConsumerGroupIds(
      definitions.map(({ logicalId, explicitGroupId }) => ({
        id: logicalId,
        consumerGroupId: explicitGroupId,
      })),
    ),
  );
  if (violations.length > 0) {
    throw new AwsRuleViolationError("The template's Kafka event source mappings", violations);
  }
  return definitions.map(({ explicitGroupId: _, destinationArn, destinationWhere, ...definition }) => ({
    ...definition,
    onFailureTopic: onFailureTopicOf(destinationArn, destinationWhere),
  }));
}

/** The topic of a kafka:// destination; the local mode emulates no other kind. */
function onFailureTopicOf(destination: string | undefined, where: string): string | undefined {
  if (destination === undefined) return undefined;
  const topic = kafkaDestinationTopic(destination);
  if (topic === undefined) {
    throw new TemplateReadError(
      `${where}: the local mode emulates kafka:// on-failure destinations only, received '${destination}'`,
    );
  }
  return topic;
}
