/**
 * AWS unit prices in USD for the cost model (`scripts/lib/capacity`), each stated once with its pricing
 * page. `usd` is the eu-central-1 (Europe, Frankfurt) on-demand list price, first pricing tier, free
 * tier not deducted; `perRegion` holds other regions where known (us-east-1). `verified: false`
 * marks a price not yet read on its pricing page (most AWS pricing pages render their
 * tables in the browser); its comment says what the figure rests on. Pure data, no imports.
 */

export interface AwsPrice {
  readonly id: string;
  readonly description: string;
  /** USD for `perUnits` units in eu-central-1. */
  readonly usd: number;
  /** What the price is for, in words: '1M requests', 'GB-second', 'broker-hour'. */
  readonly per: string;
  /** How many units `usd` pays for: 1 for an hourly price, 1,000,000 for a per-million price. */
  readonly perUnits: number;
  /** The AWS pricing page. */
  readonly source: string;
  /** Whether the eu-central-1 figure was read on that page (or a copy of it). */
  readonly verified: boolean;
  /** USD for `perUnits` units in other regions. */
  readonly perRegion?: Readonly<Record<string, number>>;
}

const MILLION = 1_000_000;

const SFN_PRICING = 'https://aws.amazon.com/step-functions/pricing/';
const LAMBDA_PRICING = 'https://aws.amazon.com/lambda/pricing/';
const API_GATEWAY_PRICING = 'https://aws.amazon.com/api-gateway/pricing/';
const DYNAMODB_ON_DEMAND_PRICING = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const SES_PRICING = 'https://aws.amazon.com/ses/pricing/';
const CLOUDWATCH_PRICING = 'https://aws.amazon.com/cloudwatch/pricing/';
const MSK_PRICING = 'https://aws.amazon.com/msk/pricing/';
const VPC_PRICING = 'https://aws.amazon.com/vpc/pricing/';
const PRIVATELINK_PRICING = 'https://aws.amazon.com/privatelink/pricing/';
const KMS_PRICING = 'https://aws.amazon.com/kms/pricing/';
const SECRETS_MANAGER_PRICING = 'https://aws.amazon.com/secrets-manager/pricing/';

const NOT_ON_PAGE = 'not yet read on the pricing page';

export const AWS_PRICES: readonly AwsPrice[] = [
  {
    id: 'sfn-standard-state-transition',
    description: 'Step Functions Standard workflow state transitions, retries included',
    usd: 0.025,
    per: '1,000 state transitions',
    perUnits: 1_000,
    source: SFN_PRICING,
    verified: true,
    perRegion: { 'us-east-1': 0.025 },
  },
  {
    id: 'lambda-request',
    description: `Lambda requests, both architectures (${NOT_ON_PAGE})`,
    usd: 0.2,
    per: '1M requests',
    perUnits: MILLION,
    source: LAMBDA_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.2 },
  },
  {
    id: 'lambda-gb-second-arm64',
    description: `Lambda duration on arm64, first tier (${NOT_ON_PAGE}; third-party guides give this us-east-1 figure)`,
    usd: 0.0000133334,
    per: 'GB-second',
    perUnits: 1,
    source: LAMBDA_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.0000133334 },
  },
  {
    id: 'lambda-gb-second-x86_64',
    description: `Lambda duration on x86_64, first tier (${NOT_ON_PAGE}; third-party guides give this us-east-1 figure)`,
    usd: 0.0000166667,
    per: 'GB-second',
    perUnits: 1,
    source: LAMBDA_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.0000166667 },
  },
  {
    id: 'lambda-event-poller-unit-hour',
    description: `Event poller units of provisioned-mode Kafka event source mappings (${NOT_ON_PAGE}; the figure is unconfirmed, read it from the page before relying on it)`,
    usd: 0.185,
    per: 'event poller unit-hour',
    perUnits: 1,
    source: LAMBDA_PRICING,
    verified: false,
  },
  {
    id: 'apigateway-rest-request',
    description:
      'API Gateway REST API calls, first 333M a month; us-east-1 $3.50 is stated in the AWS API Gateway private APIs whitepaper, the eu-central-1 figure is unverified',
    usd: 3.7,
    per: '1M requests',
    perUnits: MILLION,
    source: API_GATEWAY_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 3.5 },
  },
  {
    id: 'dynamodb-on-demand-write-request-unit',
    description: `DynamoDB Standard table class on-demand write request units (${NOT_ON_PAGE})`,
    usd: 0.7625,
    per: '1M write request units',
    perUnits: MILLION,
    source: DYNAMODB_ON_DEMAND_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.625 },
  },
  {
    id: 'dynamodb-on-demand-read-request-unit',
    description: `DynamoDB Standard table class on-demand read request units (${NOT_ON_PAGE})`,
    usd: 0.1525,
    per: '1M read request units',
    perUnits: MILLION,
    source: DYNAMODB_ON_DEMAND_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.125 },
  },
  {
    id: 'dynamodb-storage-gb-month',
    description: `DynamoDB Standard table class storage beyond the first 25 GB (${NOT_ON_PAGE})`,
    usd: 0.306,
    per: 'GB-month',
    perUnits: 1,
    source: DYNAMODB_ON_DEMAND_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.25 },
  },
  {
    id: 'ses-email',
    description: `SES outbound e-mail, per recipient, same in every region (${NOT_ON_PAGE})`,
    usd: 0.1,
    per: '1,000 e-mails',
    perUnits: 1_000,
    source: SES_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.1 },
  },
  {
    id: 'cloudwatch-logs-ingestion-gb',
    description: `CloudWatch Logs Standard class ingestion, custom logs first tier (${NOT_ON_PAGE})`,
    usd: 0.63,
    per: 'GB ingested',
    perUnits: 1,
    source: CLOUDWATCH_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.5 },
  },
  {
    id: 'cloudwatch-logs-storage-gb-month',
    description: `CloudWatch Logs archive storage, compressed (${NOT_ON_PAGE})`,
    usd: 0.0324,
    per: 'GB-month',
    perUnits: 1,
    source: CLOUDWATCH_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.03 },
  },
  {
    id: 'cloudwatch-alarm-month',
    description: `CloudWatch standard-resolution alarm metric (${NOT_ON_PAGE})`,
    usd: 0.1,
    per: 'alarm metric-month',
    perUnits: 1,
    source: CLOUDWATCH_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.1 },
  },
  {
    id: 'cloudwatch-dashboard-month',
    description: `CloudWatch custom dashboard beyond the three free ones (${NOT_ON_PAGE})`,
    usd: 3,
    per: 'dashboard-month',
    perUnits: 1,
    source: CLOUDWATCH_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 3 },
  },
  {
    id: 'cloudwatch-custom-metric-month',
    description: `CloudWatch custom metric (each name and dimension set), first 10,000 (${NOT_ON_PAGE})`,
    usd: 0.3,
    per: 'metric-month',
    perUnits: 1,
    source: CLOUDWATCH_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.3 },
  },
  {
    id: 'msk-broker-hour kafka.m7g.large',
    description: `MSK provisioned Standard broker kafka.m7g.large (${NOT_ON_PAGE}; the eu-central-1 figure is an estimate)`,
    usd: 0.2285,
    per: 'broker-hour',
    perUnits: 1,
    source: MSK_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.204 },
  },
  {
    id: 'msk-broker-hour kafka.m7g.xlarge',
    description: `MSK provisioned Standard broker kafka.m7g.xlarge (${NOT_ON_PAGE}; the eu-central-1 figure is an estimate)`,
    usd: 0.457,
    per: 'broker-hour',
    perUnits: 1,
    source: MSK_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.408 },
  },
  {
    id: 'msk-storage-gb-month',
    description: `MSK Standard broker EBS storage (${NOT_ON_PAGE})`,
    usd: 0.119,
    per: 'GB-month',
    perUnits: 1,
    source: MSK_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.1 },
  },
  {
    id: 'nat-gateway-hour',
    description: `NAT gateway provisioned, per gateway (${NOT_ON_PAGE}; third-party guides give the us-east-1 figure)`,
    usd: 0.052,
    per: 'NAT gateway-hour',
    perUnits: 1,
    source: VPC_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.045 },
  },
  {
    id: 'nat-gateway-gb',
    description: `Data processed by a NAT gateway, either direction, on top of data transfer (${NOT_ON_PAGE})`,
    usd: 0.052,
    per: 'GB processed',
    perUnits: 1,
    source: VPC_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.045 },
  },
  {
    id: 'vpc-interface-endpoint-hour',
    description: `Interface VPC endpoint, per endpoint per Availability Zone, billed whole hours (${NOT_ON_PAGE})`,
    usd: 0.012,
    per: 'endpoint AZ-hour',
    perUnits: 1,
    source: PRIVATELINK_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.01 },
  },
  {
    id: 'vpc-interface-endpoint-gb',
    description:
      'Data processed by interface endpoints, first PB a month in the region; a mirrored copy of the page (not an AWS address) shows $0.01',
    usd: 0.01,
    per: 'GB processed',
    perUnits: 1,
    source: PRIVATELINK_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.01 },
  },
  {
    id: 'kms-key-month',
    description:
      'KMS customer managed key, symmetric or asymmetric; each automatic rotation adds a backing key at the same price',
    usd: 1,
    per: 'key-month',
    perUnits: 1,
    source: KMS_PRICING,
    verified: true,
    perRegion: { 'us-east-1': 1 },
  },
  {
    id: 'kms-request',
    description: `KMS symmetric key requests beyond the 20,000 free a month (${NOT_ON_PAGE})`,
    usd: 0.03,
    per: '10,000 requests',
    perUnits: 10_000,
    source: KMS_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.03 },
  },
  {
    id: 'secrets-manager-secret-month',
    description: `Secrets Manager secret (${NOT_ON_PAGE})`,
    usd: 0.4,
    per: 'secret-month',
    perUnits: 1,
    source: SECRETS_MANAGER_PRICING,
    verified: false,
    perRegion: { 'us-east-1': 0.4 },
  },
];

const BY_ID = new Map(AWS_PRICES.map((entry) => [entry.id, entry]));

/**
 * The price with this id.
 * @throws {RangeError} naming the id received when no price has it.
 */
export function price(id: string): AwsPrice {
  const entry = BY_ID.get(id);
  if (!entry) throw new RangeError(`No AWS price has id '${id}'`);
  return entry;
}

/** The price's USD in `region`: the region's own figure where known, else the eu-central-1 one. */
export function priceIn(id: string, region: string): number {
  const entry = price(id);
  return entry.perRegion?.[region] ?? entry.usd;
}
