/** Section 6: `cdk synth` wall time. */
import { type BarChart, barChartSvg } from '../lib/charts';
import type { BenchResult } from '../lib/results';
import { chartFile, header, metCell, type Section, template, verdict } from './shared';

export function synthSection(
  result: BenchResult<{ seconds: number[]; medianSeconds: number; assetFolders?: number }>,
): Section {
  const text = template('synth');
  const { seconds, medianSeconds, assetFolders } = result.figures;
  const met = medianSeconds < 15;
  const markdown = text.render({
    header: header(result),
    runs: seconds.map((s) => `${s.toFixed(1)} s`).join(', '),
    medianSeconds: medianSeconds.toFixed(1),
    assetFolders: assetFolders ?? '?',
    verdict: verdict(met),
    met,
  });
  const chart: BarChart = {
    title: 'cdk synth wall time per run (s)',
    categories: seconds.map((_, i) => `run ${i + 1}`),
    series: [{ name: 'seconds', values: seconds }],
    yLabel: 's',
    target: { value: 15, label: '15 s target' },
  };
  return {
    markdown,
    charts: [chartFile('synth', barChartSvg(chart))],
    summary: [
      text.snippet('summary', {
        mode: result.mode,
        medianSeconds: medianSeconds.toFixed(1),
        runCount: seconds.length,
        met: metCell(met),
      }),
    ],
  };
}
