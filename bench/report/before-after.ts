/** Section 7: the seed's synchronous chain against this system, with and without an outage. */

import type { Template } from '../../scripts/lib/markdown-template';
import { type ArchitectureRun, PUBLISHED } from '../before-after';
import { type BarChart, barChartSvg } from '../lib/charts';
import type { BenchResult } from '../lib/results';
import { chartFile, fmt, header, metCell, type Section, template, verdict } from './shared';

type BeforeAfterMeasured = {
  p50Reduction: number | null;
  p99Reduction: number | null;
  outageFailedOrders: { synchronous: number; eventDriven: number };
  outageP99Change: number | null;
};

/** The run of one architecture (its name's first word: 'event' or 'synchronous') with or without the outage. */
export function runOf(
  runs: readonly ArchitectureRun[],
  architecture: 'event' | 'synchronous',
  outage: boolean,
) {
  return runs.find((r) => r.architecture.startsWith(architecture) && r.analyticsOutage === outage);
}

export function beforeAfterSection(
  result: BenchResult<{
    runs: ArchitectureRun[];
    measured: BeforeAfterMeasured;
  }>,
): Section {
  const text = template('before-after');
  const { runs, measured } = result.figures;
  const met =
    measured.outageFailedOrders.eventDriven === 0 &&
    (measured.p50Reduction ?? 0) <= PUBLISHED.p50Reduction &&
    (measured.p99Reduction ?? 0) <= PUBLISHED.p99Reduction;
  const event = runOf(runs, 'event', false);
  const chain = runOf(runs, 'synchronous', false);
  const markdown = text.render({
    header: header(result),
    rows: text.each('run', runs, (r) => ({
      architecture: r.architecture,
      outage: r.analyticsOutage,
      orders: r.orders,
      checkoutP50: fmt(r.checkoutLatencyMs.p50),
      checkoutP99: fmt(r.checkoutLatencyMs.p99),
      failedOrders: r.failedOrders,
      failedPercent: fmt(r.failedPercent, 2),
      failuresDuringOutage: r.failuresDuringOutage,
    })),
    p50Change: fmt(measured.p50Reduction, 1),
    p99Change: fmt(measured.p99Reduction, 1),
    chainOutageFailures: measured.outageFailedOrders.synchronous,
    eventDrivenOutageFailures: measured.outageFailedOrders.eventDriven,
    outageP99Change: fmt(measured.outageP99Change, 1),
    zeroImpactVerdict: verdict(measured.outageFailedOrders.eventDriven === 0),
    met,
    shortfalls: beforeAfterShortfalls(text, measured),
    chainP50: fmt(chain?.checkoutLatencyMs.p50),
    chainP99: fmt(chain?.checkoutLatencyMs.p99),
    eventDrivenP50: fmt(event?.checkoutLatencyMs.p50),
    eventDrivenP99: fmt(event?.checkoutLatencyMs.p99),
  });
  const chart: BarChart = {
    title: 'Checkout latency: synchronous chain vs this system (ms)',
    categories: runs.map(
      (r) =>
        `${r.architecture.startsWith('sync') ? 'chain' : 'event-driven'}${r.analyticsOutage ? ' + outage' : ''}`,
    ),
    series: [
      { name: 'p50', values: runs.map((r) => r.checkoutLatencyMs.p50) },
      { name: 'p99', values: runs.map((r) => r.checkoutLatencyMs.p99) },
      { name: 'failed orders', values: runs.map((r) => r.failedOrders) },
    ],
    yLabel: 'ms / orders',
  };
  return {
    markdown,
    charts: [chartFile('before-after', barChartSvg(chart))],
    summary: [
      text.snippet('summary', {
        mode: result.mode,
        p50Change: fmt(measured.p50Reduction, 0),
        p99Change: fmt(measured.p99Reduction, 0),
        chainOutageFailures: measured.outageFailedOrders.synchronous,
        eventDrivenOutageFailures: measured.outageFailedOrders.eventDriven,
        met: metCell(met),
      }),
    ],
  };
}

/** Which published figures this run fell short of. */
function beforeAfterShortfalls(text: Template, measured: BeforeAfterMeasured): string {
  const changeShort = (percentile: 'p50' | 'p99', change: number | null, published: number): string =>
    (change ?? 0) > published
      ? text.snippet('change-short', { percentile, measured: fmt(change, 0), published })
      : '';
  return [
    changeShort('p50', measured.p50Reduction, PUBLISHED.p50Reduction),
    changeShort('p99', measured.p99Reduction, PUBLISHED.p99Reduction),
    measured.outageFailedOrders.eventDriven > 0
      ? text.snippet('outage-failures', { count: measured.outageFailedOrders.eventDriven })
      : '',
  ]
    .filter(Boolean)
    .join(', ');
}
