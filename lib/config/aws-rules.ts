/**
 * The AWS rules the pipeline relies on, each stated once with the page that documents it. The
 * local emulators refuse what these refuse (local/runtime, local/stepfunctions, local/api) and the
 * synth-time aspect (lib/aws-rules-aspect.ts) fails `cdk synth` on what a template can break, so a
 * deploy blocker cannot hide behind a lenient emulator. docs/local-parity.md lists where each rule
 * is enforced and tested. No CDK, SDK or Node imports: handlers, emulators and the CDK app share it.
 */

export interface AwsRule {
  /** What AWS refuses, in one sentence. */
  readonly rule: string;
  /** The AWS documentation page that states it. */
  readonly source: string;
}

const LAMBDA_KAFKA_ERRORS = 'https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html';
const LAMBDA_ESM_API = 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html';
const LAMBDA_MSK_PARAMETERS = 'https://docs.aws.amazon.com/lambda/latest/dg/msk-esm-parameters.html';
const LAMBDA_KAFKA_DESTINATION =
  'https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html';
const SFN_START_EXECUTION =
  'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html';

export const AWS_RULES = {
  kafkaPartialBatchResponse: {
    rule: "A Kafka partial batch response names each failed record as { itemIdentifier: { partition: '<topic>-<n>', offset: <number> } }; a malformed identifier, a bad key name or a record outside the batch fails the whole batch",
    source: LAMBDA_KAFKA_ERRORS,
  },
  kafkaConsumerGroupIdUnique: {
    rule: 'The consumer group id of a Kafka event source mapping must be unique among all Kafka event sources',
    source: 'https://docs.aws.amazon.com/lambda/latest/api/API_AmazonManagedKafkaEventSourceConfig.html',
  },
  kafkaConsumerGroupIdFormat: {
    rule: 'A consumer group id is 1-200 characters of [a-zA-Z0-9-/*:_+=.@]',
    source: 'https://docs.aws.amazon.com/lambda/latest/api/API_AmazonManagedKafkaEventSourceConfig.html',
  },
  kafkaOneTopic: {
    rule: 'A Kafka event source mapping has exactly one topic, 1-249 characters of [a-zA-Z0-9-_.], not starting with a dot',
    source: LAMBDA_ESM_API,
  },
  kafkaBatchSize: {
    rule: 'BatchSize of an MSK or self-managed Kafka mapping is an integer from 1 to 10000',
    source: LAMBDA_MSK_PARAMETERS,
  },
  kafkaBatchingWindow: {
    rule: 'MaximumBatchingWindowInSeconds is an integer from 0 to 300',
    source: LAMBDA_ESM_API,
  },
  kafkaRetryAttempts: {
    rule: 'MaximumRetryAttempts is -1 (infinite) or an integer from 0 to 10000',
    source: LAMBDA_KAFKA_ERRORS,
  },
  kafkaRecordAge: {
    rule: 'MaximumRecordAgeInSeconds is -1 (infinite) or an integer from 60 to 604800',
    source: LAMBDA_KAFKA_ERRORS,
  },
  kafkaStartingPosition: {
    rule: 'StartingPosition is required for MSK (TRIM_HORIZON, LATEST or AT_TIMESTAMP); StartingPositionTimestamp is required with AT_TIMESTAMP and only with it',
    source: LAMBDA_MSK_PARAMETERS,
  },
  kafkaOnFailureDestination: {
    rule: 'The on-failure destination of a Kafka mapping is an SQS queue, SNS topic, S3 bucket or a kafka:// topic other than the source topic',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html',
  },
  kafkaDestinationTopicExists: {
    rule: 'A kafka:// on-failure destination is a topic that exists in the same cluster as the source topic',
    source: LAMBDA_KAFKA_DESTINATION,
  },
  kafkaDestinationProvisionedMode: {
    rule: 'A Kafka on-failure destination is available only to a mapping in provisioned mode (ProvisionedPollerConfig)',
    source: LAMBDA_KAFKA_DESTINATION,
  },
  kafkaDestinationRecord: {
    rule: "Lambda writes each failed record to a Kafka on-failure destination with the record's own key, its value a JSON document of the failure metadata (requestContext, responseContext, KafkaBatchInfo) and the record itself under payload",
    source: LAMBDA_KAFKA_DESTINATION,
  },
  kafkaDestinationRetryCap: {
    rule: 'With infinite retries (MaximumRetryAttempts -1) and an on-failure destination, Lambda applies at most 10 retry attempts',
    source: LAMBDA_KAFKA_DESTINATION,
  },
  kafkaFunctionResponseTypes: {
    rule: "FunctionResponseTypes holds at most one value, 'ReportBatchItemFailures'",
    source: LAMBDA_ESM_API,
  },
  kafkaBatchPayload: {
    rule: 'Lambda passes the records of a batch in one call up to the 6 MB payload limit of a synchronous invocation',
    source: LAMBDA_ESM_API,
  },
  kafkaMappingCommitsOffsets: {
    rule: "An MSK event source mapping commits the offsets of the records it processed to its consumer group on the cluster, so the group's committed offsets (and the lag against the topic's end offsets) show how far its function has got",
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html',
  },
  lambdaSyncPayload: {
    rule: 'A synchronous invocation carries at most 6 MB of request and 6 MB of response',
    source: 'https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html',
  },
  lambdaInvokeErrors: {
    rule: 'Invoke answers a function error (thrown, timed out) with status 200, the header X-Amz-Function-Error: Unhandled and { errorType, errorMessage } as the payload; a function that does not exist is 404 ResourceNotFoundException',
    source: 'https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html',
  },
  sfnExecutionNameLength: {
    rule: 'An execution name is 1-80 characters (ValidationException otherwise)',
    source: SFN_START_EXECUTION,
  },
  sfnExecutionNameCharacters: {
    rule: 'An execution name has no whitespace, brackets < > { } [ ], wildcards ? *, special characters " # % \\ ^ | ~ ` $ & , ; : / or control characters (InvalidName)',
    source: SFN_START_EXECUTION,
  },
  sfnPayloadSize: {
    rule: 'Execution input, SendTaskSuccess output and every task input or result are at most 262144 bytes of UTF-8 (ValidationException on the API, States.DataLimitExceeded inside an execution)',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html',
  },
  sfnDataLimitTerminal: {
    rule: 'States.DataLimitExceeded is a terminal error that States.ALL does not catch',
    source: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html',
  },
  sfnTaskTokenLength: {
    rule: 'A task token given to SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat is 1-2048 characters',
    source: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html',
  },
  sfnIdempotentStart: {
    rule: 'On a Standard state machine StartExecution with the name and input of a running execution returns that execution; a closed execution or another input is ExecutionAlreadyExists',
    source: SFN_START_EXECUTION,
  },
  apiGatewayPayloadSize: {
    rule: 'A REST API request payload is at most 10 MB (413 REQUEST_TOO_LARGE)',
    source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html',
  },
  apiGatewayRequestValidation: {
    rule: "Required request parameters must be present and not blank; the body must match the method's model for its content type (or $default); no matching model means no body validation",
    source:
      'https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html',
  },
} as const satisfies Record<string, AwsRule>;

export type AwsRuleId = keyof typeof AWS_RULES;

export interface RuleViolation {
  readonly rule: AwsRuleId;
  /** Names the setting and shows the value received. */
  readonly message: string;
}

/** A resource or request breaks one or more AWS rules; `violations` says which and how. */
export class AwsRuleViolationError extends Error {
  readonly violations: readonly RuleViolation[];
  constructor(subject: string, violations: readonly RuleViolation[], options?: { cause?: unknown }) {
    super(
      `${subject} breaks AWS rules:\n${violations
        .map((violation) => `  - ${violation.message} (${AWS_RULES[violation.rule].source})`)
        .join('\n')}`,
      options,
    );
    this.name = 'AwsRuleViolationError';
    this.violations = violations;
  }
}

// ---------------------------------------------------------------------------------------------
// Kafka event source mappings

export const KAFKA_MAPPING_LIMITS = {
  batchSize: { min: 1, max: 10_000 },
  batchingWindowSeconds: { min: 0, max: 300 },
  retryAttempts: { infinite: -1, min: 0, max: 10_000 },
  recordAgeSeconds: { infinite: -1, min: 60, max: 604_800 },
  consumerGroupId: { pattern: /^[a-zA-Z0-9\-/*:_+=.@]{1,200}$/ },
  topic: { pattern: /^[^.][a-zA-Z0-9\-_.]{0,248}$/ },
  startingPositions: ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
} as const;

export type KafkaStartingPosition = (typeof KAFKA_MAPPING_LIMITS.startingPositions)[number];

/**
 * The settings of one Kafka event source mapping as CloudFormation spells them. Values are as
 * found (a synthesized template or a CDK L1 construct); absent ones are undefined.
 */
export interface KafkaMappingSettings {
  /** Logical id or construct path, for messages. */
  readonly id: string;
  readonly topics: unknown;
  /** Undefined when the template leaves it to AWS (a unique id per mapping). */
  readonly consumerGroupId: unknown;
  readonly batchSize: unknown;
  readonly maximumBatchingWindowInSeconds: unknown;
  readonly maximumRetryAttempts: unknown;
  readonly maximumRecordAgeInSeconds: unknown;
  readonly startingPosition: unknown;
  readonly startingPositionTimestamp: unknown;
  /** DestinationConfig.OnFailure.Destination */
  readonly onFailureDestination: unknown;
  /** ProvisionedPollerConfig; undefined for a mapping in on-demand mode. */
  readonly provisionedPollerConfig: unknown;
  readonly functionResponseTypes: unknown;
}

export interface CheckOptions {
  /**
   * Values not known yet (CDK tokens) are skipped: the rule is checked where they resolve.
   * @default nothing is unresolved
   */
  readonly isUnresolved?: (value: unknown) => boolean;
}

/** Every rule one Kafka mapping breaks, each message naming the setting and the value received. */
export function kafkaMappingViolations(
  mapping: KafkaMappingSettings,
  options: CheckOptions = {},
): RuleViolation[] {
  const unresolved = options.isUnresolved ?? (() => false);
  const violations: RuleViolation[] = [];
  const add = (rule: AwsRuleId, message: string) =>
    violations.push({ rule, message: `${mapping.id}: ${message}` });
  const check = (value: unknown, test: (value: unknown) => boolean, rule: AwsRuleId, message: string) => {
    if (value === undefined || unresolved(value)) return;
    if (!test(value)) add(rule, `${message}, received ${show(value)}`);
  };
  const { batchSize, batchingWindowSeconds, retryAttempts, recordAgeSeconds } = KAFKA_MAPPING_LIMITS;

  if (!unresolved(mapping.topics)) {
    const topics = mapping.topics;
    if (!Array.isArray(topics) || topics.length !== 1) {
      add('kafkaOneTopic', `Topics must list exactly one topic, received ${show(topics)}`);
    } else if (
      !unresolved(topics[0]) &&
      !(typeof topics[0] === 'string' && KAFKA_MAPPING_LIMITS.topic.pattern.test(topics[0]))
    ) {
      add('kafkaOneTopic', `Topics[0] is not a valid topic name, received ${show(topics[0])}`);
    }
  }
  check(
    mapping.consumerGroupId,
    (value) => typeof value === 'string' && KAFKA_MAPPING_LIMITS.consumerGroupId.pattern.test(value),
    'kafkaConsumerGroupIdFormat',
    'ConsumerGroupId must be 1-200 characters of [a-zA-Z0-9-/*:_+=.@]',
  );
  check(
    mapping.batchSize,
    (value) => inRange(value, batchSize.min, batchSize.max),
    'kafkaBatchSize',
    `BatchSize must be an integer from ${batchSize.min} to ${batchSize.max}`,
  );
  check(
    mapping.maximumBatchingWindowInSeconds,
    (value) => inRange(value, batchingWindowSeconds.min, batchingWindowSeconds.max),
    'kafkaBatchingWindow',
    `MaximumBatchingWindowInSeconds must be an integer from ${batchingWindowSeconds.min} to ${batchingWindowSeconds.max}`,
  );
  check(
    mapping.maximumRetryAttempts,
    (value) =>
      integerOf(value) === retryAttempts.infinite || inRange(value, retryAttempts.min, retryAttempts.max),
    'kafkaRetryAttempts',
    `MaximumRetryAttempts must be -1 or an integer from ${retryAttempts.min} to ${retryAttempts.max}`,
  );
  check(
    mapping.maximumRecordAgeInSeconds,
    (value) =>
      integerOf(value) === recordAgeSeconds.infinite ||
      inRange(value, recordAgeSeconds.min, recordAgeSeconds.max),
    'kafkaRecordAge',
    `MaximumRecordAgeInSeconds must be -1 or an integer from ${recordAgeSeconds.min} to ${recordAgeSeconds.max}`,
  );
  if (!unresolved(mapping.startingPosition)) {
    const position = mapping.startingPosition;
    if (!KAFKA_MAPPING_LIMITS.startingPositions.includes(position as KafkaStartingPosition)) {
      add(
        'kafkaStartingPosition',
        `StartingPosition must be one of ${KAFKA_MAPPING_LIMITS.startingPositions.join(', ')}, received ${show(position)}`,
      );
    } else if ((position === 'AT_TIMESTAMP') !== (mapping.startingPositionTimestamp !== undefined)) {
      add(
        'kafkaStartingPosition',
        `StartingPositionTimestamp goes with AT_TIMESTAMP only, received StartingPosition ${show(position)} and StartingPositionTimestamp ${show(mapping.startingPositionTimestamp)}`,
      );
    }
  }
  check(
    mapping.onFailureDestination,
    (value) => isKafkaFailureDestination(value, mapping.topics),
    'kafkaOnFailureDestination',
    'DestinationConfig.OnFailure.Destination must be an SQS, SNS or S3 ARN or a kafka:// topic other than the source topic',
  );
  const destination = mapping.onFailureDestination;
  if (
    typeof destination === 'string' &&
    !unresolved(destination) &&
    kafkaDestinationTopic(destination) !== undefined &&
    mapping.provisionedPollerConfig === undefined
  ) {
    add(
      'kafkaDestinationProvisionedMode',
      `a kafka:// on-failure destination needs provisioned mode, received DestinationConfig.OnFailure.Destination ${show(destination)} without ProvisionedPollerConfig`,
    );
  }
  check(
    mapping.functionResponseTypes,
    (value) =>
      Array.isArray(value) && value.length <= 1 && value.every((type) => type === 'ReportBatchItemFailures'),
    'kafkaFunctionResponseTypes',
    "FunctionResponseTypes may only hold 'ReportBatchItemFailures'",
  );
  return violations;
}

/** `kafka://orders.dlt` -> `orders.dlt`; undefined for any other destination. */
export function kafkaDestinationTopic(destination: string | undefined): string | undefined {
  return destination?.startsWith('kafka://') ? destination.slice('kafka://'.length) : undefined;
}

/**
 * The retry attempts Lambda applies: with infinite retries and an on-failure destination, 10
 * (`kafkaDestinationRetryCap`).
 */
export function effectiveRetryAttempts(
  maximumRetryAttempts: number,
  hasOnFailureDestination: boolean,
): number {
  return maximumRetryAttempts === KAFKA_MAPPING_LIMITS.retryAttempts.infinite && hasOnFailureDestination
    ? KAFKA_DESTINATION_RETRY_CAP
    : maximumRetryAttempts;
}

const KAFKA_DESTINATION_RETRY_CAP = 10;

/** Mappings that share a consumer group id (an absent id is AWS's unique default, never shared). */
export function sharedConsumerGroupIds(
  mappings: readonly { readonly id: string; readonly consumerGroupId: string | undefined }[],
): RuleViolation[] {
  const byGroup = new Map<string, string[]>();
  for (const { id, consumerGroupId } of mappings) {
    if (consumerGroupId === undefined) continue;
    byGroup.set(consumerGroupId, [...(byGroup.get(consumerGroupId) ?? []), id]);
  }
  return [...byGroup]
    .filter(([, ids]) => ids.length > 1)
    .map(([group, ids]) => ({
      rule: 'kafkaConsumerGroupIdUnique',
      message: `consumer group id '${group}' is used by ${ids.length} mappings (${ids.join(', ')}); each Kafka event source needs its own`,
    }));
}

function isKafkaFailureDestination(value: unknown, topics: unknown): boolean {
  if (typeof value !== 'string') return false;
  const topic = kafkaDestinationTopic(value);
  if (topic !== undefined) return topic.length > 0 && !(Array.isArray(topics) && topics.includes(topic));
  return /^arn:aws[a-zA-Z-]*:(sqs|sns|s3):/.test(value);
}

function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  // CloudFormation passes numbers given as strings through as numbers.
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function inRange(value: unknown, min: number, max: number): boolean {
  const integer = integerOf(value);
  return integer !== undefined && integer >= min && integer <= max;
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// Kafka partial batch response (ReportBatchItemFailures)

/** A failed record: its `<topic>-<partition>` key of the event's `records` map, and its offset. */
export interface KafkaItemIdentifier {
  readonly partition: string;
  readonly offset: number;
}

export interface KafkaBatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: KafkaItemIdentifier }[];
}

export type KafkaBatchResponseReading =
  | { readonly outcome: 'success' }
  | { readonly outcome: 'partial'; readonly failures: readonly KafkaItemIdentifier[] }
  | { readonly outcome: 'batch-failed'; readonly reason: string };

/**
 * How Lambda reads a Kafka function's answer with ReportBatchItemFailures on: a null or empty
 * response or failure list is complete success; a failure list of well-formed identifiers retries
 * those records; anything else (a bad key name, a missing or non-numeric offset, a non-list) fails
 * the whole batch.
 */
export function readKafkaBatchResponse(response: unknown): KafkaBatchResponseReading {
  if (response === undefined || response === null) return { outcome: 'success' };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { outcome: 'batch-failed', reason: `the response is not an object: ${show(response)}` };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { outcome: 'success' };
  if (!Array.isArray(failures)) {
    return { outcome: 'batch-failed', reason: `batchItemFailures is not a list: ${show(failures)}` };
  }
  const identifiers: KafkaItemIdentifier[] = [];
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (!isKafkaItemIdentifier(identifier)) {
      return {
        outcome: 'batch-failed',
        reason: `itemIdentifier must be { partition: '<topic>-<n>', offset: <number> }, received ${show(identifier)}`,
      };
    }
    identifiers.push(identifier);
  }
  return identifiers.length === 0 ? { outcome: 'success' } : { outcome: 'partial', failures: identifiers };
}

function isKafkaItemIdentifier(value: unknown): value is KafkaItemIdentifier {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const { partition, offset } = value as { partition?: unknown; offset?: unknown };
  return (
    keys.length === 2 &&
    typeof partition === 'string' &&
    /^.+-\d+$/.test(partition) &&
    typeof offset === 'number' &&
    Number.isSafeInteger(offset) &&
    offset >= 0
  );
}

// ---------------------------------------------------------------------------------------------
// Lambda payloads

/** 6 MB, the request limit of a synchronous Invoke (RequestEntityTooLargeException above it). */
export const LAMBDA_SYNC_REQUEST_MAX_BYTES = 6 * 1024 * 1024;
/** The response limit Lambda reports in its Function.ResponseSizeTooLarge error (6 MB and 100 bytes). */
export const LAMBDA_SYNC_RESPONSE_MAX_BYTES = 6 * 1024 * 1024 + 100;

// ---------------------------------------------------------------------------------------------
// Step Functions

export const STEP_FUNCTIONS_LIMITS = {
  executionNameMaxLength: 80,
  /** 256 KiB of UTF-8: execution input, SendTaskSuccess output, task inputs and results. */
  payloadMaxBytes: 262_144,
  taskTokenMaxLength: 2048,
} as const;

/** Whitespace, brackets, wildcards, the listed special characters and C0/C1 control characters. */
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u;

function isControlCharacter(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** What is wrong with an execution name: its length (a ValidationException) or its characters (InvalidName). */
export function executionNameProblem(name: string): 'length' | 'characters' | undefined {
  const characters = [...name].length;
  if (characters < 1 || characters > STEP_FUNCTIONS_LIMITS.executionNameMaxLength) return 'length';
  return FORBIDDEN_NAME_CHARACTERS.test(name) || [...name].some(isControlCharacter)
    ? 'characters'
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// API Gateway

/** 10 MB, REST API payload limit; API Gateway answers 413 above it. */
export const API_GATEWAY_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
