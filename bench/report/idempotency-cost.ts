/** Section 3: what the idempotency layer costs a consumer. */
import type { IdempotencyRun } from '../idempotency-cost';
import { type BarChart, barChartSvg } from '../lib/charts';
import type { BenchResult } from '../lib/results';
import { chartFile, entries, fmt, header, metCell, type Section, template, verdict } from './shared';

export function idempotencySection(
  result: BenchResult<{ runs: IdempotencyRun[]; overhead: number; extraCallsPerEvent: number }>,
): Section {
  const { runs, overhead, extraCallsPerEvent } = result.figures;
  const text = template('idempotency-cost');
  const met = overhead < 2;
  const figures = { overhead: fmt(overhead, 2), extraCallsPerEvent: fmt(extraCallsPerEvent, 2) };
  const markdown = text.render({
    header: header(result),
    ...figures,
    rows: text.each('run', runs, (r) => ({
      label: r.label,
      events: r.events,
      seconds: fmt(r.seconds, 1),
      eventsPerSecond: fmt(r.eventsPerSecond, 0),
      callsPerEvent: fmt(r.dynamoDbCallsPerEvent, 2),
      callsByCommand: entries(r.dynamoDbCalls),
    })),
    verdict: verdict(met),
    met,
  });
  const chart: BarChart = {
    title: 'Analytics consumer throughput: conditional writes alone and with the idempotency layer',
    categories: runs.map((r) => r.label.replace(/ \(.*\)/, '')),
    series: [
      { name: 'events/s', values: runs.map((r) => r.eventsPerSecond) },
      { name: 'DynamoDB calls/event x100', values: runs.map((r) => r.dynamoDbCallsPerEvent * 100) },
    ],
    yLabel: 'events/s',
  };
  return {
    markdown,
    charts: [chartFile('idempotency-cost', barChartSvg(chart))],
    summary: [text.snippet('summary', { mode: result.mode, ...figures, met: metCell(met) })],
  };
}
