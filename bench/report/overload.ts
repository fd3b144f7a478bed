/** Section 9: 2x and 4x the sustainable rate, and what admission control took and refused. */
import { type LineChart, lineChartSvg } from '../lib/charts';
import type { BenchResult } from '../lib/results';
import { type OverloadStep, SAGA_SERVICES } from '../overload';
import { chartFile, entries, fmt, header, metCell, type Section, template, verdict } from './shared';

export function overloadSection(result: BenchResult<{ steps: OverloadStep[] }>): Section {
  const text = template('overload');
  const { steps } = result.figures;
  const settings = result.settings as {
    sustainableOrdersPerSecond: number;
    maxCommandBacklog: number;
    pickUpBudgetSeconds: number;
    settleCapSeconds: number;
  };
  const rows = steps.map((s) =>
    text.snippet('step', {
      multiple: s.multiple,
      targetRate: s.targetRate,
      offeredRate: fmt(s.offeredRate, 1),
      accepted: s.accepted,
      acceptedRate: fmt(s.acceptedRate, 1),
      refused: s.refused,
      shed: s.shed,
      confirmed: s.confirmed,
      expectedConfirmed: s.expectedConfirmed,
      confirmedRate: fmt(s.confirmedRate, 1),
      failedByPipeline: s.failedByPipeline,
      anyFailed: Object.keys(s.failed).length > 0,
      failures: entries(s.failed, ': '),
      unresolved: s.unresolved,
      acceptedP50: fmt(s.acceptedLatencyMs.p50),
      acceptedP99: fmt(s.acceptedLatencyMs.p99),
      refusedP50: fmt(s.refusedLatencyMs.p50),
      refusedP99: fmt(s.refusedLatencyMs.p99),
      maxBacklog: SAGA_SERVICES.map((name) => `${name} ${s.maxSagaBacklog[name] ?? 0}`).join(', '),
      settled: s.settleSeconds !== null,
      settleSeconds: fmt(s.settleSeconds),
      settleCapSeconds: settings.settleCapSeconds,
    }),
  );
  // What admission control promises: nothing it takes fails for want of capacity.
  const met = steps.length > 0 && steps.every((s) => s.failedByPipeline === 0 && s.unresolved === 0);
  const reachedThreshold = steps.filter((s) =>
    Object.values(s.maxSagaBacklog).some((backlog) => backlog > settings.maxCommandBacklog),
  );
  const chart: LineChart = {
    title: `Saga command backlogs while overloaded (checkout refuses above ${settings.maxCommandBacklog})`,
    xLabel: 'seconds since the step started',
    yLabel: 'commands waiting',
    series: steps.flatMap((s) =>
      SAGA_SERVICES.map((name) => ({
        name: `${s.multiple}x ${name}`,
        points: s.backlogSeries.map((point) => [point.t / 1000, point[name]] as [number, number]),
      })),
    ),
  };
  const markdown = text.render({
    header: header(result),
    rows: rows.join('\n'),
    pickUpBudgetSeconds: settings.pickUpBudgetSeconds,
    verdict: verdict(met),
    thresholdReached: reachedThreshold.length > 0,
    maxCommandBacklog: settings.maxCommandBacklog,
    multiplesOverThreshold: reachedThreshold.map((s) => `${s.multiple}x`).join(' and '),
    sustainableOrdersPerSecond: settings.sustainableOrdersPerSecond,
  });
  return {
    markdown,
    charts: [chartFile('overload', lineChartSvg(chart))],
    summary: [
      text.snippet('summary', {
        mode: result.mode,
        stepsRan: steps.length > 0,
        steps: text.each(
          'summary-step',
          steps,
          (s) => ({
            multiple: s.multiple,
            accepted: s.accepted,
            refused: s.refused,
            confirmedRate: fmt(s.confirmedRate, 1),
            failedByPipeline: s.failedByPipeline,
          }),
          '; ',
        ),
        met: metCell(met),
      }),
    ],
  };
}
