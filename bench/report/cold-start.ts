/** Section 5: bundle sizes and init times per Lambda. */

import type { Template } from '../../scripts/lib/markdown-template';
import type { BundleFigures } from '../cold-start';
import { type BarChart, barChartSvg } from '../lib/charts';
import type { BenchResult } from '../lib/results';
import { chartFile, fmt, header, metCell, type Section, template, verdict } from './shared';

export function coldStartSection(result: BenchResult<{ bundles: BundleFigures[] }>): Section {
  const text = template('cold-start');
  const bundles = result.figures.bundles;
  const bad = bundles.filter((b) => b.kib >= 500 || b.initMs.median >= 150);
  const met = bad.length === 0;
  const slowest = [...bundles].sort((a, b) => b.initMs.median - a.initMs.median)[0];
  const markdown = text.render({
    header: header(result),
    rows: text.each('bundle', bundles, (b) => ({
      entry: b.entry,
      kib: fmt(b.kib, 0),
      initMedianMs: fmt(b.initMs.median, 0),
      initP95Ms: fmt(b.initMs.p95, 0),
      largestDependencies: b.largestDependencies.map((d) => `${d.name} ${fmt(d.kib, 0)}`).join(', '),
    })),
    verdict: verdict(met),
    met,
    missed: bad.length,
    bundles: bundles.length,
    largestDependencies: largestDependencies(text, bundles),
    slowest: String(slowest?.entry),
    slowestInitMs: fmt(slowest?.initMs.median),
  });
  const names = bundles.map((b) => b.entry.split('/').at(-1)!.replace('.ts', ''));
  const chart: BarChart = {
    title: 'Bundle size (KiB) and init time (ms) per Lambda',
    categories: names,
    series: [
      { name: 'KiB', values: bundles.map((b) => b.kib) },
      { name: 'init median ms', values: bundles.map((b) => b.initMs.median) },
    ],
    yLabel: 'KiB / ms',
    target: { value: 500, label: '500 KB target' },
  };
  const kib = bundles.map((b) => b.kib);
  const initMs = bundles.map((b) => b.initMs.median);
  return {
    markdown,
    charts: [chartFile('cold-start', barChartSvg(chart))],
    summary: [
      text.snippet('summary', {
        mode: result.mode,
        smallestKib: fmt(Math.min(...kib)),
        largestKib: fmt(Math.max(...kib)),
        fastestInitMs: fmt(Math.min(...initMs)),
        slowestInitMs: fmt(Math.max(...initMs)),
        met: metCell(met),
      }),
    ],
  };
}

/** The dependencies that weigh most over all bundles, from each bundle's five largest. */
function largestDependencies(text: Template, bundles: readonly BundleFigures[]): string {
  const totals = new Map<string, { kib: number; bundles: number }>();
  for (const bundle of bundles) {
    for (const dependency of bundle.largestDependencies) {
      const total = totals.get(dependency.name) ?? { kib: 0, bundles: 0 };
      totals.set(dependency.name, { kib: total.kib + dependency.kib, bundles: total.bundles + 1 });
    }
  }
  return [...totals]
    .sort((a, b) => b[1].kib - a[1].kib)
    .slice(0, 6)
    .map(([name, t]) =>
      text.snippet('dependency', { name, bundles: t.bundles, kibEach: fmt(t.kib / t.bundles, 0) }),
    )
    .join(', ');
}
