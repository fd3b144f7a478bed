/**
 * Section 11: the local pipeline's own speed targets, read from the other sections' results of the
 * same run. A team evaluating the design runs it on a laptop; these say whether it carries a
 * shop's peak there, and for each one missed which section names the bottleneck.
 */
import type { BundleFigures } from '../cold-start';
import type { E2eStep } from '../e2e-load';
import type { CeilingRun } from '../kafka-ceiling';
import { type BenchResult, readResult } from '../lib/results';
import type { UnitCountsFigures } from '../unit-counts';
import { fmt, metCell, type Section, template } from './shared';

/** CPU ms per order on main when the targets were set, on this machine: what "4x lower" is measured against. */
const CPU_MS_PER_ORDER_BEFORE = 355;

/** CPU of every process of the run (the broker, the DynamoDB server, the pipeline), from /proc, per order confirmed in the step. */
export function cpuMsPerOrder(step: E2eStep): number | undefined {
  if (step.skipped || step.confirmed === 0) return undefined;
  const cores = Object.values(step.cpu.byProcess).reduce((sum, percent) => sum + percent, 0) / 100;
  return (cores * step.cpu.seconds * 1000) / step.confirmed;
}

/**
 * Every checkout offered accepted (none refused, none shed by the generator), every order
 * confirmed, and every consumer group's lag back to 0 within 10 s of the step's end.
 */
export function sustained(step: E2eStep): boolean {
  const notAccepted = Object.entries(step.statusCounts).filter(([status]) => status !== '202');
  return (
    !step.skipped &&
    notAccepted.every(([, count]) => count === 0) &&
    step.confirmed >= step.expectedConfirmed &&
    step.unresolved === 0 &&
    step.lagZeroAfterMs !== null &&
    step.lagZeroAfterMs <= 10_000
  );
}

/** The ramp's step at the shop's peak, its lowest rate: where latency is judged. */
export function peakStep(steps: readonly E2eStep[]): E2eStep | undefined {
  return [...steps].filter((s) => !s.skipped).sort((a, b) => a.targetRate - b.targetRate)[0];
}

export function localSpeedSection(result: BenchResult<{ steps: E2eStep[] }>): Section {
  const text = template('local-speed');
  const steps = result.figures.steps.filter((s) => !s.skipped);
  const top = steps.filter(sustained).at(-1);
  const slowest = peakStep(steps);
  const drainMultiple = readResult<{ drainRateMultipleOfArrival: number }>('catch-up')?.figures
    .drainRateMultipleOfArrival;
  const bundles = readResult<{ bundles: BundleFigures[] }>('cold-start')?.figures.bundles ?? [];
  const ceiling = Math.max(
    0,
    ...(readResult<{ produce: CeilingRun[] }>('kafka-ceiling')?.figures.produce ?? [])
      .filter((run) => run.label.includes('1 record per send'))
      .map((run) => run.recordsPerSecond),
  );
  const recordsPerOrder = (readResult<UnitCountsFigures>('unit-counts')?.figures.units.topics ?? []).reduce(
    (sum, topic) => sum + topic.records,
    0,
  );
  const cpuMs = top ? cpuMsPerOrder(top) : undefined;
  const efficiency =
    top && ceiling > 0 && recordsPerOrder > 0 ? top.targetRate / (ceiling / recordsPerOrder) : undefined;
  const kib = bundles.map((b) => b.kib);
  const bigBundles = bundles.filter((b) => b.kib >= 500).length;
  const met = {
    throughput: (top?.targetRate ?? 0) >= 50,
    catchUp: (drainMultiple ?? 0) >= 10,
    latency:
      (slowest?.checkoutLatencyMs.p99 ?? Infinity) < 50 && (slowest?.confirmLatencyMs.p99 ?? Infinity) < 1100,
    cpu: cpuMs !== undefined && cpuMs <= CPU_MS_PER_ORDER_BEFORE / 4,
    bundles: bundles.length > 0 && bigBundles === 0,
  };
  const judged = Object.values(met);
  const markdown = text.render({
    sustainedSome: top !== undefined,
    sustainedRate: top?.targetRate,
    throughputMet: metCell(met.throughput),
    drainMultiple: fmt(drainMultiple, 2),
    catchUpMet: metCell(met.catchUp),
    slowRate: slowest?.targetRate ?? '-',
    checkoutP99: fmt(slowest?.checkoutLatencyMs.p99),
    confirmP99: fmt(slowest?.confirmLatencyMs.p99),
    latencyMet: metCell(met.latency),
    cpuBefore: CPU_MS_PER_ORDER_BEFORE,
    cpuMs: fmt(cpuMs),
    cpuRate: top?.targetRate ?? '-',
    cpuMet: metCell(met.cpu),
    efficiency: fmt(efficiency, 3),
    ceiling: fmt(ceiling),
    recordsPerOrder: fmt(recordsPerOrder, 1),
    smallestKib: fmt(kib.length > 0 ? Math.min(...kib) : undefined),
    largestKib: fmt(kib.length > 0 ? Math.max(...kib) : undefined),
    bigBundles,
    bundles: bundles.length,
    bundlesMet: metCell(met.bundles),
  });
  const summary = text.snippet('summary', {
    mode: result.mode,
    met: judged.filter(Boolean).length,
    judged: judged.length,
    sustainedRate: top?.targetRate ?? '-',
    cpuMs: fmt(cpuMs),
    efficiency: fmt(efficiency, 3),
    allMet: metCell(judged.every(Boolean)),
  });
  return { markdown, charts: [], summary: [summary] };
}
