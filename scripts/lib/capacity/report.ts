/**
 * The capacity and cost report of one stage at one order rate, from its synthesized templates, the
 * measured per-order units (bench/results/unit-counts.json) and lib/config: the limit rows with
 * their headroom, the findings under the minimum headroom, the cost per million orders and the
 * fixed monthly cost. `npm run capacity` prints it; docs/infrastructure.md carries it rendered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { price, priceIn } from '../../../lib/config/aws-prices';
import { quota, quotaValue } from '../../../lib/config/aws-quotas';
import { STAGES, type StageName } from '../../../lib/config/stages';
import { type CostLine, costPerMillionOrders, fixedMonthlyCost, type PriceLookup } from './cost';
import { type Deployment, readDeployment, synthesizeStage } from './deployment';
import {
  capacityLimits,
  type HeadroomFinding,
  headroomFindings,
  type LimitRow,
  type QuotaLookup,
} from './model';
import type { PerOrderUnits } from './units';

/** The headroom every prod limit keeps at the design rate, or names the quota request that restores it. */
export const MINIMUM_HEADROOM = 2;
/** 100x the shop's peak of 4.2 orders/s. */
export const DESIGN_ORDERS_PER_SECOND = 417;
/** Where the stages are deployed unless told otherwise; its quotas are among the smaller ones. */
export const DEFAULT_REGION = 'eu-central-1';
export const UNIT_COUNTS_FILE = join('bench', 'results', 'unit-counts.json');

/** Services whose cost the shop decides rather than the design: e-mails are sent per its choice. */
const EXCLUDED_FROM_DESIGN_COST = new Set(['SES']);

export const quotaLookup: QuotaLookup = (id, region) => {
  const entry = quota(id);
  return { value: quotaValue(id, region), source: entry.source, adjustable: entry.adjustable };
};

export function priceLookup(region: string): PriceLookup {
  return (id) => {
    const entry = price(id);
    return { usd: priceIn(id, region), per: entry.perUnits, source: entry.source };
  };
}

export class UnitCountsMissingError extends Error {
  constructor(file: string, options?: { cause?: unknown }) {
    super(`No per-order unit counts in ${file}: run \`npm run bench:unit-counts\` first`, options);
    this.name = 'UnitCountsMissingError';
  }
}

/** The `units` of a unit-counts benchmark result. */
export function readUnitCounts(file: string): PerOrderUnits {
  let parsed: { figures?: { units?: PerOrderUnits } };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch (error) {
    throw new UnitCountsMissingError(file, { cause: error });
  }
  const units = parsed.figures?.units;
  if (!units) throw new UnitCountsMissingError(file);
  return units;
}

export interface CapacityReport {
  readonly stage: StageName;
  readonly region: string;
  readonly ordersPerSecond: number;
  readonly units: PerOrderUnits;
  readonly deployment: Deployment;
  readonly rows: readonly LimitRow[];
  readonly findings: readonly HeadroomFinding[];
  readonly costPerMillion: readonly CostLine[];
  /** Cost per million orders without what the shop decides (SES). */
  readonly designCostPerMillion: number;
  readonly fixedMonthly: readonly CostLine[];
}

export interface CapacityReportInput {
  readonly stage: StageName;
  readonly region: string;
  readonly ordersPerSecond: number;
  readonly units: PerOrderUnits;
  readonly repoRoot: string;
}

export function capacityReport(input: CapacityReportInput): CapacityReport {
  const deployment = readDeployment(input.stage, synthesizeStage(input.stage, input.repoRoot));
  const rows = capacityLimits({
    deployment,
    units: input.units,
    ordersPerSecond: input.ordersPerSecond,
    region: input.region,
    quotas: quotaLookup,
    quotaRequests: STAGES[input.stage].quotaRequests,
  });
  const prices = priceLookup(input.region);
  const costPerMillion = costPerMillionOrders(deployment, input.units, prices);
  return {
    stage: input.stage,
    region: input.region,
    ordersPerSecond: input.ordersPerSecond,
    units: input.units,
    deployment,
    rows,
    findings: headroomFindings(rows, MINIMUM_HEADROOM),
    costPerMillion,
    designCostPerMillion: costPerMillion
      .filter((line) => !EXCLUDED_FROM_DESIGN_COST.has(line.service))
      .reduce((sum, line) => sum + line.usd, 0),
    fixedMonthly: fixedMonthlyCost(deployment, prices),
  };
}
