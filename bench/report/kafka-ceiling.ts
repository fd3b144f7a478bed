/** Section 4: the broker's own ceiling, the yardstick for the other figures. */

import type { Template } from '../../scripts/lib/markdown-template';
import type { CeilingRun } from '../kafka-ceiling';
import { type BarChart, barChartSvg } from '../lib/charts';
import type { BenchResult } from '../lib/results';
import { chartFile, cpuLine, fmt, header, type Section, template } from './shared';

export function kafkaSection(result: BenchResult<{ produce: CeilingRun[]; consume: CeilingRun }>): Section {
  const text = template('kafka-ceiling');
  const all = [...result.figures.produce, result.figures.consume];
  const markdown = text.render({
    header: header(result),
    rows: text.each('run', all, (r) => ({
      label: r.label,
      records: r.records,
      seconds: fmt(r.seconds, 1),
      recordsPerSecond: fmt(r.recordsPerSecond, 0),
      megabytesPerSecond: fmt(r.megabytesPerSecond, 2),
      cpu: cpuLine(r.cpu),
    })),
    sendLatencies: sendLatencies(text, result.figures.produce),
    produced: result.figures.produce.length > 0,
  });
  const chart: BarChart = {
    title: 'Broker ceiling (records/s)',
    categories: all.map((r) => {
      const match = /(\d+) records? per send, (\d+) producers?/.exec(r.label);
      return match ? `${match[1]}/send x${match[2]}` : 'consume';
    }),
    series: [{ name: 'records/s', values: all.map((r) => r.recordsPerSecond) }],
    yLabel: 'records/s',
  };
  return {
    markdown,
    charts: [chartFile('kafka-ceiling', barChartSvg(chart))],
    summary: [
      text.snippet('summary', {
        mode: result.mode,
        rates: all.map((r) => `${fmt(r.recordsPerSecond, 0)}/s`).join(' · '),
      }),
    ],
  };
}

/** One request in flight per producer: the single-record rate gives the latency of one send. */
function sendLatencies(text: Template, runs: readonly CeilingRun[]): string {
  return runs
    .map((run) => ({ run, producers: /1 record per send, (\d+) producers/.exec(run.label)?.[1] }))
    .filter((x): x is { run: CeilingRun; producers: string } => x.producers !== undefined)
    .map(({ run, producers }) =>
      text.snippet('send-latency', {
        producers,
        sendMs: fmt((Number(producers) * 1000) / run.recordsPerSecond, 1),
        sendsPerSecond: fmt(run.recordsPerSecond / Number(producers), 0),
      }),
    )
    .join('\n');
}
