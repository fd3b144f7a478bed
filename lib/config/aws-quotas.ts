/**
 * The AWS quotas on the order path, each stated once with the page that documents it, for the
 * capacity and cost model (`scripts/lib/capacity`). A value is per second unless its unit says otherwise, and is
 * the default for an account that has asked for no increase. `perRegion` holds the regions the
 * documentation sets apart; every other region, eu-central-1 among them, takes `value`.
 * `verified: false` marks a figure not yet read on its page; its description says what
 * the figure rests on. No CDK, SDK or Node imports: the model, the docs renderer and tests share it.
 */

export interface AwsQuota {
  readonly id: string;
  /** What the quota limits, in AWS terms. */
  readonly description: string;
  /** The default, for every region not named in `perRegion`. */
  readonly value: number;
  /** Per second unless it names another period or is a size or count. */
  readonly unit: string;
  /** Whether Service Quotas or AWS Support can raise it for the account. */
  readonly adjustable: boolean;
  /** The AWS page that states it. */
  readonly source: string;
  /** Whether the figure was read on that page (or a copy of it) rather than taken from elsewhere. */
  readonly verified: boolean;
  /** Values of the regions the documentation gives their own figure. */
  readonly perRegion?: Readonly<Record<string, number>>;
}

const SFN_QUOTAS = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';
const LAMBDA_QUOTAS = 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const LAMBDA_SCALING = 'https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html';
const LAMBDA_KAFKA_SCALING = 'https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html';
const LAMBDA_POLLER_CONFIG = 'https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html';
const API_GATEWAY_QUOTAS = 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html';
const DYNAMODB_WARM_THROUGHPUT =
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html';
const DYNAMODB_ON_DEMAND_MAX =
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html';
const MSK_BEST_PRACTICES = 'https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html';
const MSK_QUOTAS = 'https://docs.aws.amazon.com/msk/latest/developerguide/limits.html';
const SES_QUOTAS = 'https://docs.aws.amazon.com/ses/latest/dg/quotas.html';
const LOGS_QUOTAS = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html';

/** Step Functions gives US East (N. Virginia), US West (Oregon) and Europe (Ireland) larger buckets. */
const SFN_LARGE_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'] as const;

/** Regions whose API Gateway account throttle defaults to 2,500 RPS with a 1,250 burst. */
const API_GATEWAY_SMALL_REGIONS = [
  'af-south-1',
  'eu-south-1',
  'ap-southeast-3',
  'me-central-1',
  'ap-south-2',
  'ap-southeast-4',
  'eu-south-2',
  'eu-central-2',
  'il-central-1',
  'ca-west-1',
  'ap-southeast-5',
  'ap-southeast-7',
  'mx-central-1',
] as const;

function inRegions(regions: readonly string[], value: number): Record<string, number> {
  return Object.fromEntries(regions.map((region) => [region, value]));
}

/**
 * The Step Functions throttling figures as the AWS developer guide's published source gives them
 * (awsdocs/aws-step-functions-developer-guide, limits-overview.md); the current quotas page may
 * have raised them, so each is marked unverified until read there.
 */
const SFN_TABLE_NOTE = "as the developer guide's published source gives it; check the current quotas page";

export const AWS_QUOTAS: readonly AwsQuota[] = [
  // -------------------------------------------------------------------------------------------
  // Step Functions Standard: token buckets per account and region, shared by every state machine.
  {
    id: 'sfn-standard-start-execution-bucket',
    description: `StartExecution token bucket size, Standard workflows (${SFN_TABLE_NOTE})`,
    value: 800,
    unit: 'requests (burst)',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 1_300),
  },
  {
    id: 'sfn-standard-start-execution-refill',
    description: `StartExecution refill rate, Standard workflows: the sustained order rate one execution per order allows (${SFN_TABLE_NOTE})`,
    value: 150,
    unit: 'requests/s',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 300),
  },
  {
    id: 'sfn-standard-state-transitions-bucket',
    description: `StateTransition token bucket size, Standard workflows; new accounts start lower and AWS raises it with usage (${SFN_TABLE_NOTE})`,
    value: 800,
    unit: 'transitions (burst)',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 5_000),
  },
  {
    id: 'sfn-standard-state-transitions-refill',
    description: `StateTransition refill rate, Standard workflows; a throttled transition is delayed, not failed, and shows as ExecutionThrottled (${SFN_TABLE_NOTE})`,
    value: 500,
    unit: 'transitions/s',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 1_500),
  },
  {
    id: 'sfn-send-task-success-bucket',
    description: `SendTaskSuccess token bucket size: the saga services answer each callback step with it (${SFN_TABLE_NOTE})`,
    value: 1_500,
    unit: 'requests (burst)',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 3_000),
  },
  {
    id: 'sfn-send-task-success-refill',
    description: `SendTaskSuccess refill rate (${SFN_TABLE_NOTE})`,
    value: 300,
    unit: 'requests/s',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 500),
  },
  {
    id: 'sfn-send-task-failure-bucket',
    description: `SendTaskFailure token bucket size: a declined payment or missing stock answers with it (${SFN_TABLE_NOTE})`,
    value: 1_500,
    unit: 'requests (burst)',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 3_000),
  },
  {
    id: 'sfn-send-task-failure-refill',
    description: `SendTaskFailure refill rate (${SFN_TABLE_NOTE})`,
    value: 300,
    unit: 'requests/s',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 500),
  },
  {
    id: 'sfn-send-task-heartbeat-bucket',
    description: `SendTaskHeartbeat token bucket size (${SFN_TABLE_NOTE})`,
    value: 1_500,
    unit: 'requests (burst)',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 3_000),
  },
  {
    id: 'sfn-send-task-heartbeat-refill',
    description: `SendTaskHeartbeat refill rate (${SFN_TABLE_NOTE})`,
    value: 300,
    unit: 'requests/s',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
    perRegion: inRegions(SFN_LARGE_REGIONS, 500),
  },
  {
    id: 'sfn-get-execution-history-bucket',
    description: `GetExecutionHistory token bucket size, the same in every region: order status reads must not call it per request (${SFN_TABLE_NOTE})`,
    value: 400,
    unit: 'requests (burst)',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
  },
  {
    id: 'sfn-get-execution-history-refill',
    description: `GetExecutionHistory refill rate, the same in every region (${SFN_TABLE_NOTE})`,
    value: 20,
    unit: 'requests/s',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: false,
  },
  {
    id: 'sfn-standard-open-executions',
    description:
      'Open Standard executions per account and region; StartExecution fails with ExecutionLimitExceeded above it, and sagas waiting on callbacks stay open',
    value: 1_000_000,
    unit: 'executions (count)',
    adjustable: true,
    source: SFN_QUOTAS,
    verified: true,
  },

  // -------------------------------------------------------------------------------------------
  // Lambda
  {
    id: 'lambda-concurrent-executions',
    description:
      'Concurrent executions shared by every function of the account in the region; new accounts start lower and AWS raises it with usage',
    value: 1_000,
    unit: 'executions (concurrent)',
    adjustable: true,
    source: LAMBDA_QUOTAS,
    verified: true,
  },
  {
    id: 'lambda-scaling-rate-per-function',
    description:
      'Concurrency scaling rate: execution environments Lambda adds to one function, refilled continuously; requests above it are throttled (429)',
    value: 1_000,
    unit: 'execution environments per 10 s, per function',
    adjustable: false,
    source: LAMBDA_SCALING,
    verified: true,
  },
  {
    id: 'lambda-sync-payload-bytes',
    description:
      'Synchronous invocation request and response payload, 6 MB; an MSK mapping passes a batch in one call up to it (stated on the SAM MSK event page)',
    value: 6 * 1024 * 1024,
    unit: 'bytes per invocation',
    adjustable: false,
    source: LAMBDA_QUOTAS,
    verified: true,
  },

  // -------------------------------------------------------------------------------------------
  // API Gateway: one token bucket per account and region across REST, HTTP and WebSocket APIs.
  {
    id: 'apigateway-account-throttle-rate',
    description: 'Account-level throttle across all APIs of the account in the region (steady rate)',
    value: 10_000,
    unit: 'requests/s',
    adjustable: true,
    source: API_GATEWAY_QUOTAS,
    verified: true,
    perRegion: inRegions(API_GATEWAY_SMALL_REGIONS, 2_500),
  },
  {
    id: 'apigateway-account-throttle-burst',
    description:
      'Account-level burst (token bucket capacity); the API Gateway team sets it from the rate, customers cannot request it',
    value: 5_000,
    unit: 'requests (burst)',
    adjustable: false,
    source: API_GATEWAY_QUOTAS,
    verified: true,
    perRegion: inRegions(API_GATEWAY_SMALL_REGIONS, 1_250),
  },

  // -------------------------------------------------------------------------------------------
  // DynamoDB: one item lives on one partition, so these cap a single hot item whatever the table allows.
  {
    id: 'dynamodb-partition-write-units',
    description: 'Write units per partition (one item key at most), in provisioned and on-demand mode alike',
    value: 1_000,
    unit: 'WCU or WRU/s',
    adjustable: false,
    source: DYNAMODB_WARM_THROUGHPUT,
    verified: true,
  },
  {
    id: 'dynamodb-partition-read-units',
    description: 'Read units per partition (one item key at most), in provisioned and on-demand mode alike',
    value: 3_000,
    unit: 'RCU or RRU/s',
    adjustable: false,
    source: DYNAMODB_WARM_THROUGHPUT,
    verified: true,
  },
  {
    id: 'dynamodb-on-demand-table-write-units',
    description: 'Table-level write throughput quota that bounds an on-demand table with no maximum set',
    value: 40_000,
    unit: 'WRU/s',
    adjustable: true,
    source: DYNAMODB_ON_DEMAND_MAX,
    verified: true,
  },
  {
    id: 'dynamodb-on-demand-table-read-units',
    description: 'Table-level read throughput quota that bounds an on-demand table with no maximum set',
    value: 40_000,
    unit: 'RRU/s',
    adjustable: true,
    source: DYNAMODB_ON_DEMAND_MAX,
    verified: true,
  },
  {
    id: 'dynamodb-on-demand-new-table-warm-write-units',
    description:
      'Warm write throughput of a new on-demand table: served at once, beyond it the table scales up as traffic grows (raised ahead of a launch by setting WarmThroughput)',
    value: 4_000,
    unit: 'WRU/s',
    adjustable: true,
    source: DYNAMODB_WARM_THROUGHPUT,
    verified: true,
  },
  {
    id: 'dynamodb-on-demand-new-table-warm-read-units',
    description:
      'Warm read throughput of a new on-demand table (raised ahead of a launch by setting WarmThroughput)',
    value: 12_000,
    unit: 'RRU/s',
    adjustable: true,
    source: DYNAMODB_WARM_THROUGHPUT,
    verified: true,
  },
  {
    id: 'dynamodb-item-size-bytes',
    description:
      'Item size, attribute names and values together (400 KB); not yet read on the constraints page',
    value: 400 * 1024,
    unit: 'bytes per item',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html',
    verified: false,
  },

  // -------------------------------------------------------------------------------------------
  // MSK provisioned (Standard brokers). Partition counts are AWS recommendations, not enforced.
  {
    id: 'msk-partitions-per-broker kafka.m7g.large',
    description: 'Recommended partitions per kafka.m7g.large broker, leader and follower replicas included',
    value: 1_000,
    unit: 'partitions (count)',
    adjustable: false,
    source: MSK_BEST_PRACTICES,
    verified: true,
  },
  {
    id: 'msk-partitions-per-broker kafka.m7g.xlarge',
    description: 'Recommended partitions per kafka.m7g.xlarge broker, leader and follower replicas included',
    value: 1_000,
    unit: 'partitions (count)',
    adjustable: false,
    source: MSK_BEST_PRACTICES,
    verified: true,
  },
  {
    id: 'msk-partitions-per-broker-for-updates kafka.m7g.large',
    description:
      'Partitions per kafka.m7g.large broker above which MSK does not support update operations (configuration, version, broker type)',
    value: 1_500,
    unit: 'partitions (count)',
    adjustable: false,
    source: MSK_BEST_PRACTICES,
    verified: true,
  },
  {
    id: 'msk-partitions-per-broker-for-updates kafka.m7g.xlarge',
    description: 'Partitions per kafka.m7g.xlarge broker above which MSK does not support update operations',
    value: 1_500,
    unit: 'partitions (count)',
    adjustable: false,
    source: MSK_BEST_PRACTICES,
    verified: true,
  },
  {
    id: 'msk-storage-per-broker-max-gib',
    description: 'EBS storage per Standard broker',
    value: 16_384,
    unit: 'GiB per broker',
    adjustable: false,
    source: MSK_QUOTAS,
    verified: true,
  },

  // -------------------------------------------------------------------------------------------
  // Lambda event source mapping for MSK in provisioned mode.
  {
    id: 'esm-kafka-poller-throughput',
    description: 'Throughput of one provisioned event poller of an MSK or self-managed Kafka mapping',
    value: 5,
    unit: 'MB/s per event poller',
    adjustable: false,
    source: LAMBDA_KAFKA_SCALING,
    verified: true,
  },
  {
    id: 'esm-kafka-poller-concurrent-invocations',
    description: 'Concurrent invocations one Kafka event poller drives',
    value: 5,
    unit: 'invocations (concurrent) per event poller',
    adjustable: false,
    source: LAMBDA_KAFKA_SCALING,
    verified: true,
  },
  {
    id: 'esm-kafka-maximum-pollers',
    description: 'Highest MaximumPollers of one MSK or self-managed Kafka mapping',
    value: 2_000,
    unit: 'event pollers per mapping',
    adjustable: false,
    source: LAMBDA_POLLER_CONFIG,
    verified: true,
  },
  {
    id: 'esm-kafka-minimum-pollers-max',
    description:
      'Highest MinimumPollers of one mapping: the pollers provisioned mode keeps (and bills) while idle',
    value: 200,
    unit: 'event pollers per mapping',
    adjustable: false,
    source: LAMBDA_POLLER_CONFIG,
    verified: true,
  },
  {
    id: 'esm-kafka-invocations-per-partition',
    description:
      'Lambda reads each Kafka partition sequentially: one batch of a partition in flight at a time, so a topic drives at most as many concurrent invocations as it has partitions',
    value: 1,
    unit: 'invocations (concurrent) per partition',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html',
    verified: true,
  },

  // -------------------------------------------------------------------------------------------
  // SES, per account and region; quotas count recipients, not messages.
  {
    id: 'ses-sending-rate',
    description:
      'Sending rate out of the sandbox. The quotas page gives no default: it is set per account from its use case. 14/s is a placeholder to replace with the account MaxSendRate (sesv2 GetAccount)',
    value: 14,
    unit: 'recipients/s',
    adjustable: true,
    source: SES_QUOTAS,
    verified: false,
  },
  {
    id: 'ses-sandbox-sending-rate',
    description: 'Sending rate of an account in the SES sandbox',
    value: 1,
    unit: 'recipients/s',
    adjustable: true,
    source: SES_QUOTAS,
    verified: true,
  },
  {
    id: 'ses-daily-quota',
    description:
      'Recipients per 24 hours out of the sandbox. The quotas page gives no default; 50,000 is a placeholder to replace with the account Max24HourSend',
    value: 50_000,
    unit: 'recipients per 24 hours',
    adjustable: true,
    source: SES_QUOTAS,
    verified: false,
  },
  {
    id: 'ses-sandbox-daily-quota',
    description: 'Recipients per 24 hours of an account in the SES sandbox',
    value: 200,
    unit: 'recipients per 24 hours',
    adjustable: true,
    source: SES_QUOTAS,
    verified: true,
  },

  // -------------------------------------------------------------------------------------------
  // CloudWatch Logs: Lambda, Step Functions and API Gateway deliver their logs through it.
  {
    id: 'logs-put-log-events-rate',
    description: 'PutLogEvents transactions per account and region; 5,000 not yet read on the quotas page',
    value: 5_000,
    unit: 'requests/s',
    adjustable: true,
    source: LOGS_QUOTAS,
    verified: false,
  },
  {
    id: 'logs-put-log-events-batch-bytes',
    description: 'PutLogEvents batch size: event messages in UTF-8 plus 26 bytes per event',
    value: 1_048_576,
    unit: 'bytes per request',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html',
    verified: true,
  },
];

const BY_ID = new Map(AWS_QUOTAS.map((entry) => [entry.id, entry]));

/**
 * The quota with this id.
 * @throws {RangeError} naming the id received when no quota has it.
 */
export function quota(id: string): AwsQuota {
  const entry = BY_ID.get(id);
  if (!entry) throw new RangeError(`No AWS quota has id '${id}'`);
  return entry;
}

/** The quota's value in `region`: the region's own figure where the documentation gives one, else the default. */
export function quotaValue(id: string, region: string): number {
  const entry = quota(id);
  return entry.perRegion?.[region] ?? entry.value;
}
