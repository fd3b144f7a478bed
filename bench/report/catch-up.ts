/** Section 2: a paused consumer's backlog, and how fast it drains. */
import { type LineChart, lineChartSvg } from '../lib/charts';
import type { CpuWindow } from '../lib/cpu-sampler';
import type { BenchResult } from '../lib/results';
import { chartFile, cpuLine, fmt, header, metCell, type Section, template, verdict } from './shared';

export function catchUpSection(result: BenchResult<Record<string, unknown>>): Section {
  const f = result.figures as {
    ordersProduced: number;
    recordsProduced: number;
    achievedOrderRate: number;
    maxSendBehindScheduleMs: number;
    backlogRecords: number;
    arrivalRecordsPerSecond: number;
    drained: boolean;
    drainSeconds: number | null;
    recordsDrained: number;
    drainRecordsPerSecond: number;
    projectedDrainSeconds: number | null;
    drainRateMultipleOfArrival: number;
    cpuWhileDraining: CpuWindow;
    pauseSeries: { t: number; lag: number }[];
    drainSeries: { t: number; lag: number }[];
  };
  const text = template('catch-up');
  const met = f.drainRateMultipleOfArrival >= 10;
  const pausedEnd = f.pauseSeries.at(-1)?.t ?? 0;
  const chart: LineChart = {
    title: 'Analytics lag: paused, then resumed',
    xLabel: 'seconds since pause',
    yLabel: 'records behind',
    series: [
      { name: 'paused', points: f.pauseSeries.map((p) => [p.t / 1000, p.lag]) },
      { name: 'draining', points: f.drainSeries.map((p) => [(pausedEnd + p.t) / 1000, p.lag]) },
    ],
  };
  const figures = {
    backlogRecords: f.backlogRecords,
    drained: f.drained,
    drainSeconds: fmt(f.drainSeconds, 1),
    drainRate: fmt(f.drainRecordsPerSecond, 0),
    drainMultiple: fmt(f.drainRateMultipleOfArrival, 2),
  };
  const markdown = text.render({
    header: header(result),
    ...figures,
    ordersProduced: f.ordersProduced,
    recordsProduced: f.recordsProduced,
    orderRate: fmt(f.achievedOrderRate, 1),
    arrivalRate: fmt(f.arrivalRecordsPerSecond, 1),
    drainCapSeconds: String(result.settings.drainCapSeconds),
    recordsDrained: f.recordsDrained,
    projectedDrainSeconds: fmt(f.projectedDrainSeconds),
    maxSendBehindScheduleMs: fmt(f.maxSendBehindScheduleMs),
    verdict: verdict(met),
    met,
    cpu: cpuLine(f.cpuWhileDraining),
    // One analytics environment works the records one after the other.
    msPerRecord: fmt(f.drainRecordsPerSecond > 0 ? 1000 / f.drainRecordsPerSecond : Number.NaN, 1),
    tenfoldRate: fmt(10 * f.arrivalRecordsPerSecond),
  });
  return {
    markdown,
    charts: [chartFile('catch-up', lineChartSvg(chart))],
    summary: [text.snippet('summary', { mode: result.mode, ...figures, met: metCell(met) })],
  };
}
