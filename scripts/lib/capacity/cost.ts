/**
 * The cost model, from the same measured per-order units as the capacity model: what a million
 * orders cost by service, and what each stage costs per month before its first order (brokers,
 * storage, endpoints, keys, alarms). Prices come from lib/config/aws-prices.ts, each with its
 * pricing page.
 */
import type { Deployment } from './deployment';
import type { PerOrderUnits } from './units';

/** A unit price: USD for `per` units of what the id names. */
export interface PriceFigure {
  readonly usd: number;
  /** How many units the price is for (1 for a per-hour price, 1,000,000 for a per-million price). */
  readonly per: number;
  readonly source: string;
}

export type PriceLookup = (id: string) => PriceFigure;

export interface CostLine {
  readonly service: string;
  readonly usd: number;
  /** How it was counted, in one line for the report. */
  readonly basis: string;
}

/** Price ids the model reads from lib/config/aws-prices.ts. */
export const MODEL_PRICES = {
  sfnTransition: 'sfn-standard-state-transition',
  lambdaRequest: 'lambda-request',
  lambdaGbSecondArm: 'lambda-gb-second-arm64',
  lambdaGbSecondX86: 'lambda-gb-second-x86_64',
  apiRequest: 'apigateway-rest-request',
  dynamodbWrite: 'dynamodb-on-demand-write-request-unit',
  dynamodbRead: 'dynamodb-on-demand-read-request-unit',
  sesEmail: 'ses-email',
  logsIngestion: 'cloudwatch-logs-ingestion-gb',
  mskBrokerHour: 'msk-broker-hour',
  mskStorage: 'msk-storage-gb-month',
  interfaceEndpointHour: 'vpc-interface-endpoint-hour',
  natGatewayHour: 'nat-gateway-hour',
  kmsKey: 'kms-key-month',
  alarm: 'cloudwatch-alarm-month',
  dashboard: 'cloudwatch-dashboard-month',
  eventPollerHour: 'lambda-event-poller-unit-hour',
} as const;

const MILLION = 1_000_000;
const HOURS_PER_MONTH = 730;

function cost(prices: PriceLookup, id: string, units: number): number {
  const price = prices(id);
  return (units / price.per) * price.usd;
}

/** What one million happy orders cost, by service (variable cost only). */
export function costPerMillionOrders(
  deployment: Deployment,
  units: PerOrderUnits,
  prices: PriceLookup,
): CostLine[] {
  const memoryOf = (logicalId: string) => deployment.functions.find((fn) => fn.logicalId === logicalId);
  let invocations = 0;
  let gbSecondsArm = 0;
  let gbSecondsX86 = 0;
  let logBytes = 0;
  for (const fn of units.functions) {
    const deployed = memoryOf(fn.logicalId);
    if (!deployed) continue;
    invocations += fn.invocations;
    const gbSeconds = fn.invocations * (fn.billedMsPerInvocation / 1000) * (deployed.memoryMb / 1024);
    if (deployed.architecture === 'arm64') gbSecondsArm += gbSeconds;
    else gbSecondsX86 += gbSeconds;
    logBytes += fn.logBytes;
  }
  const writeUnits = units.dynamodb.reduce((sum, table) => sum + table.writeUnits, 0);
  const readUnits = units.dynamodb.reduce((sum, table) => sum + table.readUnits, 0);
  const n = MILLION;
  return [
    {
      service: 'Step Functions',
      usd: cost(prices, MODEL_PRICES.sfnTransition, n * units.stepFunctions.transitions),
      basis: `${units.stepFunctions.transitions} state transitions per order`,
    },
    {
      service: 'SES',
      usd: cost(prices, MODEL_PRICES.sesEmail, n * units.emails),
      basis: `${units.emails} e-mails per order`,
    },
    {
      service: 'DynamoDB',
      usd:
        cost(prices, MODEL_PRICES.dynamodbWrite, n * writeUnits) +
        cost(prices, MODEL_PRICES.dynamodbRead, n * readUnits),
      basis: `${round(writeUnits)} write and ${round(readUnits)} read request units per order`,
    },
    {
      service: 'CloudWatch Logs',
      usd: cost(prices, MODEL_PRICES.logsIngestion, (n * logBytes) / 1e9),
      basis: `${Math.round(logBytes)} bytes of function logs per order`,
    },
    {
      service: 'API Gateway',
      usd: cost(prices, MODEL_PRICES.apiRequest, n * units.api.requests),
      basis: `${units.api.requests} REST requests per order`,
    },
    {
      service: 'Lambda',
      usd:
        cost(prices, MODEL_PRICES.lambdaRequest, n * invocations) +
        cost(prices, MODEL_PRICES.lambdaGbSecondArm, n * gbSecondsArm) +
        cost(prices, MODEL_PRICES.lambdaGbSecondX86, n * gbSecondsX86),
      basis: `${round(invocations)} invocations and ${round(gbSecondsArm + gbSecondsX86, 3)} GB-s per order`,
    },
  ].sort((a, b) => b.usd - a.usd);
}

/** What the stage costs per month whatever the traffic. */
export function fixedMonthlyCost(deployment: Deployment, prices: PriceLookup): CostLine[] {
  const { brokers, fixed } = deployment;
  const minimumPollers = deployment.mappings.reduce((sum, mapping) => sum + mapping.minimumPollers, 0);
  return [
    {
      service: 'MSK brokers',
      usd: cost(
        prices,
        `${MODEL_PRICES.mskBrokerHour} ${brokers.instanceType}`,
        brokers.count * HOURS_PER_MONTH,
      ),
      basis: `${brokers.count} x ${brokers.instanceType}, ${HOURS_PER_MONTH} h`,
    },
    {
      service: 'MSK storage',
      usd: cost(prices, MODEL_PRICES.mskStorage, brokers.count * brokers.volumeGiB),
      basis: `${brokers.count} x ${brokers.volumeGiB} GiB provisioned`,
    },
    {
      service: 'Event pollers',
      usd: cost(prices, MODEL_PRICES.eventPollerHour, minimumPollers * HOURS_PER_MONTH),
      basis: `${deployment.mappings.length} mappings, ${minimumPollers} minimum pollers in all`,
    },
    {
      service: 'Interface endpoints',
      usd: cost(prices, MODEL_PRICES.interfaceEndpointHour, fixed.interfaceEndpointZones * HOURS_PER_MONTH),
      basis: `${fixed.interfaceEndpointZones} endpoint-zones`,
    },
    {
      service: 'NAT gateways',
      usd: cost(prices, MODEL_PRICES.natGatewayHour, fixed.natGateways * HOURS_PER_MONTH),
      basis: `${fixed.natGateways} NAT gateways`,
    },
    {
      service: 'KMS and CloudWatch',
      usd:
        cost(prices, MODEL_PRICES.kmsKey, fixed.kmsKeys) +
        cost(prices, MODEL_PRICES.alarm, fixed.alarms) +
        cost(prices, MODEL_PRICES.dashboard, fixed.dashboards),
      basis: `${fixed.kmsKeys} KMS key, ${fixed.alarms} alarms, ${fixed.dashboards} dashboard`,
    },
  ].sort((a, b) => b.usd - a.usd);
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
