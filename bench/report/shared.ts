/** What every section of the benchmark report shares: its templates, number formats, header and CPU line. */
import { join } from 'node:path';
import { Template } from '../../scripts/lib/markdown-template';
import type { CpuWindow } from '../lib/cpu-sampler';
import { BENCH_DIR, type BenchResult, outputDirectory } from '../lib/results';

export const chartsDir = (): string => join(outputDirectory(), 'charts');
/** Where a section's chart goes, next to the report that shows it as charts/<name>.png. */
export const chartFile = (name: string, svg: string) => ({ file: join(chartsDir(), `${name}.png`), svg });

export const template = (name: string): Template => Template.read(join(BENCH_DIR, 'templates', `${name}.md`));
export const frame = template('report');

export interface Section {
  readonly markdown: string;
  readonly charts: { file: string; svg: string }[];
  /** Rows of the summary table: target, what was measured, whether it was met. */
  readonly summary?: readonly string[];
}

export const fmt = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);
export const verdict = (met: boolean): string => frame.snippet('verdict', { met });
export const metCell = (met: boolean): string => frame.snippet('met-cell', { met });
export const entries = (record: Readonly<Record<string, string | number>>, separator = ' '): string =>
  Object.entries(record)
    .map(([key, value]) => `${key}${separator}${value}`)
    .join(', ');

export function header(result: BenchResult<unknown>): string {
  const m = result.machine;
  return frame.snippet('section-header', {
    benchmark: result.name,
    mode: result.mode,
    startedAt: result.startedAt,
    durationSeconds: result.durationSeconds,
    cores: m.cores,
    cpuModel: m.cpuModel,
    memoryMiB: m.memoryMiB,
    loadavgAtStart: m.loadavgAtStart.join(' / '),
    loadavgAtEnd: (m.loadavgAtEnd ?? []).join(' / '),
    settings: Object.entries(result.settings)
      .map(([key, value]) => `${key} = ${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join('; '),
  });
}

export function cpuLine(cpu: CpuWindow): string {
  const processes = Object.entries(cpu.byProcess)
    .map(([name, pct]) => `${name} ${pct.toFixed(0)} %`)
    .join(', ');
  const threads = Object.entries(cpu.benchThreads)
    .slice(0, 3)
    .map(([name, pct]) => `${name} ${pct.toFixed(0)} %`)
    .join(', ');
  const ours = Object.values(cpu.byProcess).reduce((sum, pct) => sum + pct, 0);
  // Whatever else ran on the machine (other test runs) took the rest of the busy time.
  const others = Math.max(0, cpu.machineBusyPercent - ours);
  return frame.snippet('cpu', {
    machineBusy: cpu.machineBusyPercent.toFixed(0),
    others: others.toFixed(0),
    sampled: processes !== '',
    processes,
    threadsSampled: threads !== '',
    threads,
  });
}
