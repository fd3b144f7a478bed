/**
 * Renders bench/REPORT.md from bench/results/*.json: per benchmark the settings, a table of the
 * figures, the target and whether it was met, a PNG chart (bench/charts/), and for every target
 * not met the bottleneck the run's CPU profile points at and what would lift it.
 * `tsx bench/report.ts` re-renders without running anything.
 *
 * The prose is in bench/templates/ (one markdown template per section, report.md for the frame, the
 * syntax in scripts/lib/markdown-template.ts). The code computes the figures, tables and charts, picks the
 * alternatives the figures call for and fills the templates in: one module per section in
 * bench/report/, and this one, which puts the sections into the frame.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateValues } from '../scripts/lib/markdown-template';
import type { E2eStep } from './e2e-load';
import { renderPngs } from './lib/charts';
import {
  type BenchResult,
  type MachineInfo,
  outputDirectory,
  QUICK_OUTPUT_DIR,
  readResult,
  useOutputDir,
} from './lib/results';
import { beforeAfterSection } from './report/before-after';
import { catchUpSection } from './report/catch-up';
import { coldStartSection } from './report/cold-start';
import { e2eSection } from './report/e2e-load';
import { idempotencySection } from './report/idempotency-cost';
import { kafkaSection } from './report/kafka-ceiling';
import { localSpeedSection } from './report/local-speed';
import { overloadSection } from './report/overload';
import { profileSection } from './report/profile';
import { chartsDir, entries, fmt, frame, type Section } from './report/shared';
import { synthSection } from './report/synth';
import { unitCountsSection } from './report/unit-counts';

/**
 * What every reader of these figures must know about the machine they came from: its size and the
 * load averages the results recorded.
 */
function machineValues(machines: readonly MachineInfo[]): TemplateValues {
  const loads = machines.flatMap((m) => [m.loadavgAtStart[0] ?? 0, m.loadavgAtEnd?.[0] ?? 0]);
  return {
    cores: machines[0]?.cores ?? '?',
    cpuModel: machines[0]?.cpuModel ?? '?',
    memoryMiB: machines[0]?.memoryMiB ?? '?',
    lowestLoad: fmt(Math.min(...loads), 1),
    highestLoad: fmt(Math.max(0, ...loads), 1),
  };
}

/** The report's markdown and the charts it shows, from the results in the output directory; writes nothing. */
export function composeReport(): { markdown: string; charts: readonly { file: string; svg: string }[] } {
  const sections: Section[] = [];
  const missing: string[] = [];
  const machines: MachineInfo[] = [];
  const add = <T>(name: string, render: (result: BenchResult<T>) => Section): void => {
    const result = readResult<T>(name);
    if (result) {
      sections.push(render(result));
      machines.push(result.machine);
    } else missing.push(name);
  };
  add('e2e-load', e2eSection);
  add('catch-up', catchUpSection);
  add('idempotency-cost', idempotencySection);
  add('kafka-ceiling', kafkaSection);
  add('cold-start', coldStartSection);
  add('synth', synthSection);
  add('before-after', beforeAfterSection);
  add('profile', profileSection);
  add('overload', overloadSection);
  add('unit-counts', unitCountsSection);
  // Last: it judges the local speed targets from the other sections' results of the run.
  const e2e = readResult<{ steps: E2eStep[] }>('e2e-load');
  if (e2e) sections.push(localSpeedSection(e2e));
  const first = readResult<unknown>('e2e-load') ?? readResult<unknown>('cold-start');
  const markdown = frame.render({
    versionsKnown: first !== undefined,
    versions: first ? entries(first.versions) : undefined,
    notRunYet: missing.length > 0,
    missing: missing.join(', '),
    summaryRows: sections.flatMap((section) => section.summary ?? []).join('\n'),
    ...machineValues(machines),
    sections: sections.map((section) => section.markdown).join('\n'),
  });
  return { markdown, charts: sections.flatMap((section) => section.charts) };
}

export async function renderReport(options: { log: (line: string) => void }): Promise<string> {
  const { markdown, charts } = composeReport();
  mkdirSync(chartsDir(), { recursive: true });
  try {
    await renderPngs(charts);
  } catch (error) {
    options.log(`charts not rendered: ${error instanceof Error ? error.message : String(error)}`);
  }
  const file = join(outputDirectory(), 'REPORT.md');
  writeFileSync(file, markdown);
  return file;
}

if (process.argv[1]?.endsWith('report.ts')) {
  if (process.argv.includes('--quick')) useOutputDir(QUICK_OUTPUT_DIR);
  renderReport({ log: console.log })
    .then((file) => console.log(`written ${file}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
