/**
 * Stage configuration: everything that differs between dev and prod. Selected with
 * `-c stage=<name>`; the local mode uses `dev`.
 */

export type StageName = 'dev' | 'prod';

export interface StageConfig {
  readonly stage: StageName;
  /** Prefix of resource names, e.g. `order-pipeline-dev`. */
  readonly namePrefix: string;
  readonly vpcCidr: string;
  /** MSK broker instance type. */
  readonly brokerInstanceType: string;
  /** EBS volume per broker, in GiB. */
  readonly brokerVolumeGiB: number;
  /** Days CloudWatch keeps Lambda, Step Functions, API and broker logs. */
  readonly logRetentionDays: number;
  /** Stage-wide API throttle. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** WAF rate-based rule: requests per 5 minutes per client IP. */
  readonly wafRateLimitPer5Min: number;
  /** Provisioned pollers per event source mapping. */
  readonly pollers: { readonly min: number; readonly max: number };
  readonly alarms: {
    /** Consumer lag time that counts as "customers will notice", in seconds. */
    readonly maxLagSeconds: number;
    /** Consecutive minutes the lag must stay over the threshold before alarming. */
    readonly lagEvaluationMinutes: number;
    /** API 5xx rate, in percent of requests. */
    readonly api5xxPercent: number;
    /** Failed saga executions per 5 minutes that warrant a look. */
    readonly sagaFailuresPer5Min: number;
  };
  readonly saga: {
    /**
     * How long a saga step waits for its service to pick the command up before the order fails, in
     * seconds (lib/config/saga-timing.ts, docs/saga-timing.md). It must outlast what the
     * infrastructure does on its own: a broker restart or failover, a consumer group rebalance, a
     * cold start plus a poll of the mapping.
     */
    readonly pickUpBudgetSeconds: number;
  };
  /**
   * Admission control at checkout: POST /orders refuses new orders (503 with Retry-After) while a
   * saga service has more commands waiting than it can pick up within the pick-up budget.
   */
  readonly admission: {
    /**
     * The saga rate this stage sustains, orders per second: each order puts one command on
     * inventory.commands and one on payments.commands, so it is also each service's command rate.
     */
    readonly sustainableOrdersPerSecond: number;
    /**
     * Commands waiting for one saga service (its consumer group's lag on its command topic, summed
     * over partitions, as AWS/Kafka SumOffsetLag) above which checkout refuses. A command at the back
     * of the queue waits about backlog / rate before pick-up; the threshold keeps that at half the
     * pick-up budget (sustainable rate x budget / 2), so a broker failover or a rebalance on top of a
     * full queue still fits in the budget.
     */
    readonly maxCommandBacklog: number;
    /** Seconds a refused client is told to wait (`Retry-After`). */
    readonly retryAfterSeconds: number;
  };
  /** Retain business data when the stack is deleted. */
  readonly retainData: boolean;
  /** Hours an idempotency record lives; must exceed the longest mapping retry horizon. */
  readonly idempotencyTtlHours: number;
  /**
   * Whether the saga's execution log (level ALL) carries state input and output. They hold the
   * customer's e-mail, address and payment token, so production logs only the transitions.
   */
  readonly sagaLogsIncludeExecutionData: boolean;
  /**
   * What the saga writes to its execution log: every state event (ALL), or only failures (ERROR).
   * ALL is about 10 log events per order; at 417 orders/s that is billions of events a month, while
   * the execution history, kept by Step Functions for 90 days, and X-Ray already hold every step.
   */
  readonly sagaLogLevel: 'ALL' | 'ERROR';
  /**
   * The quota increases to ask for before the stage carries its design rate, each a quota id of
   * lib/config/aws-quotas.ts and the value to request in Service Quotas. `npm run capacity` counts a
   * request only when its value gives the limit the headroom the build requires.
   */
  readonly quotaRequests: readonly { readonly quota: string; readonly value: number }[];
}

export const STAGES: Record<StageName, StageConfig> = {
  dev: {
    stage: 'dev',
    namePrefix: 'order-pipeline-dev',
    vpcCidr: '10.20.0.0/16',
    brokerInstanceType: 'kafka.m7g.large',
    brokerVolumeGiB: 100,
    logRetentionDays: 14,
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    wafRateLimitPer5Min: 2000,
    pollers: { min: 1, max: 3 },
    alarms: { maxLagSeconds: 60, lagEvaluationMinutes: 5, api5xxPercent: 1, sagaFailuresPer5Min: 50 },
    // Two minutes: a single-broker restart with its consumer groups rejoining, or a consumer
    // stalled by a redeploy, is back well within it (the local mode runs this stage).
    saga: { pickUpBudgetSeconds: 120 },
    // 10 orders/s is what the local mode (which runs this stage) sustains on a 2-core machine with
    // every order confirmed: 10 x 120 s / 2 = 600 commands. Retry after 5 s: the reading behind the
    // decision is refreshed every second and a shopper still on the checkout page retries within it.
    admission: { sustainableOrdersPerSecond: 10, maxCommandBacklog: 600, retryAfterSeconds: 5 },
    retainData: false,
    idempotencyTtlHours: 48,
    sagaLogsIncludeExecutionData: true,
    sagaLogLevel: 'ALL',
    quotaRequests: [],
  },
  prod: {
    stage: 'prod',
    namePrefix: 'order-pipeline-prod',
    vpcCidr: '10.30.0.0/16',
    brokerInstanceType: 'kafka.m7g.xlarge',
    // 417 orders/s held for every topic's whole retention, three replicas, fills about 1.2 TiB per
    // broker (npm run capacity); twice that keeps a broker from filling up during a long peak.
    brokerVolumeGiB: 2_500,
    logRetentionDays: 90,
    // 100x the shop's peak of 4.2 orders/s with twice the headroom: each order is a POST and the
    // checkout page's status reads, two to four requests in all (npm run capacity).
    apiThrottle: { rateLimit: 3_200, burstLimit: 6_400 },
    wafRateLimitPer5Min: 1000,
    pollers: { min: 2, max: 20 },
    alarms: { maxLagSeconds: 60, lagEvaluationMinutes: 5, api5xxPercent: 0.5, sagaFailuresPer5Min: 200 },
    // Five minutes: MSK patches one broker at a time, and a mapping's pollers rebalance after each;
    // the lag alarm (maxLagSeconds) pages well before an order runs out of budget.
    saga: { pickUpBudgetSeconds: 300 },
    // Sized for 417 orders/s: 417 x 300 s / 2 = 62,550, rounded down to 60,000 commands. Refused
    // clients wait 10 s: at this traffic a wave of them retrying together lands as a burst on the
    // same queue, so they are spread out further than in dev.
    admission: { sustainableOrdersPerSecond: 417, maxCommandBacklog: 60_000, retryAfterSeconds: 10 },
    retainData: true,
    idempotencyTtlHours: 48,
    sagaLogsIncludeExecutionData: false,
    sagaLogLevel: 'ERROR',
    // Each at least twice what 417 orders/s needs (npm run capacity lists the needs).
    quotaRequests: [
      { quota: 'sfn-standard-start-execution-refill', value: 1_000 },
      { quota: 'sfn-standard-state-transitions-refill', value: 5_000 },
      { quota: 'sfn-send-task-success-refill', value: 4_000 },
      { quota: 'lambda-concurrent-executions', value: 2_000 },
      { quota: 'ses-sending-rate', value: 1_000 },
    ],
  },
};

export function stageConfig(name: unknown): StageConfig {
  const stage = name ?? 'dev';
  if (typeof stage !== 'string' || !(stage in STAGES)) {
    throw new Error(
      `Unknown stage '${String(stage)}': choose one of ${Object.keys(STAGES).join(', ')} with -c stage=<name>`,
    );
  }
  return STAGES[stage as StageName];
}

/** Three availability zones, one per broker and private subnet. */
export type AvailabilityZones = readonly [string, string, string];

/** Context key that pins the zones, e.g. `-c availabilityZones=us-east-1a,us-east-1b,us-east-1d`. */
export const AVAILABILITY_ZONES_CONTEXT = 'availabilityZones';

/** `us-east-1a` -> `us-east-1`; also Local Zone style names keep their region prefix. */
const ZONE_NAME = /^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$/;

/**
 * Reads pinned availability zones from a context value (a comma-separated list or an array): three
 * distinct zone names of one region. `undefined` when nothing is pinned: the stacks then take the
 * first three zones the deployment region offers (Fn::GetAZs), whatever region that is.
 * @throws {RangeError} naming the value received when it is not three distinct zones of one region.
 */
export function availabilityZonesFrom(value: unknown): AvailabilityZones | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const zones = (Array.isArray(value) ? value : String(value).split(','))
    .map((zone) => String(zone).trim())
    .filter((zone) => zone.length > 0);
  const regions = new Set(zones.map((zone) => ZONE_NAME.exec(zone)?.[1]));
  if (zones.length !== 3 || new Set(zones).size !== 3 || regions.size !== 1 || regions.has(undefined)) {
    throw new RangeError(
      `${AVAILABILITY_ZONES_CONTEXT} must name three distinct availability zones of one region (e.g. us-east-1a,us-east-1b,us-east-1d), got ${JSON.stringify(value)}`,
    );
  }
  return zones as unknown as AvailabilityZones;
}
