/**
 * Renders RELIABILITY.md from the figures the reliability scenarios wrote to
 * test-results/reliability/*.json (npx vitest run --project reliability test/integration/reliability)
 * and from the prose in scripts/templates/reliability.md.
 * Usage: npx tsx scripts/reliability-report.ts [--out RELIABILITY.md]
 * A scenario with no result file is listed as not run, never as passed.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResult } from '../test/integration/reliability/scenario';
import { Template } from './lib/markdown-template';

const TEMPLATE = join(__dirname, 'templates', 'reliability.md');

/** A scenario of the template: its `### title` heading, then `{{figures.<result id prefix>}}`. */
interface TemplateScenario {
  readonly title: string;
  readonly prefix: string;
}

function scenariosOf(template: string): TemplateScenario[] {
  const scenarios: TemplateScenario[] = [];
  let title: string | undefined;
  for (const line of template.split('\n')) {
    if (line.startsWith('### ')) title = line.slice(4).trim();
    const figures = /^\{\{figures\.([A-Za-z0-9_-]+)\}\}$/.exec(line.trim());
    if (figures) {
      if (!title) throw new Error(`${TEMPLATE}: {{figures.${figures[1]}}} has no ### heading above it`);
      scenarios.push({ title, prefix: figures[1]! });
      title = undefined;
    }
  }
  return scenarios;
}

function yesNo(value: boolean): string {
  return value ? 'exact' : 'MISMATCH';
}

function row(result: ScenarioResult | undefined, title: string): string {
  if (!result) return `| ${title} | not run | – | – | – | – | – | – | – | – | – |`;
  const duplicates =
    result.duplicatesSeen === undefined ? '–' : `${result.duplicatesSeen} / ${result.duplicatesAbsorbed}`;
  return [
    '',
    `${title}`,
    result.passed ? 'pass' : '**FAIL**',
    result.fault,
    `${result.placed} (${result.accepted} accepted${result.refused > 0 ? `, ${result.refused} refused` : ''})`,
    `${result.endedCorrectly} / ${result.accepted}`,
    `${result.confirmed} / ${result.expectedConfirmed}${result.outcomeRule ? ' (own rule)' : ''}`,
    `${result.charges} / ${result.chargesExpected}`,
    yesNo(result.stockExact),
    `${result.points} / ${result.pointsExpected}`,
    duplicates,
    `${result.durationSeconds} s`,
    '',
  ]
    .join(' | ')
    .trim();
}

/** The bullets under a scenario's heading: what was injected, the outcome and the books. */
function figures(result: ScenarioResult | undefined): string {
  if (!result) return '- No result in this run.';
  const lines = [
    `- Injected: ${result.fault}`,
    `- Outcome: ${Object.entries(result.statuses)
      .map(([status, n]) => `${n} ${status}`)
      .join(', ')}`,
    `- Confirmed / expected: ${result.confirmed} / ${result.expectedConfirmed}${result.refused > 0 ? `; ${result.refused} checkouts refused with Retry-After` : ''}`,
  ];
  if (result.outcomeRule)
    lines.push(`- Outcome rule of its own (confirmed / expected not judged): ${result.outcomeRule}`);
  lines.push(`- Stock (actual/expected): ${result.stockDetail}`);
  if (result.loadAverage)
    lines.push(`- Load average at the end (1/5/15 min): ${result.loadAverage.join(' / ')}`);
  for (const note of result.notes) lines.push(`- ${note}`);
  if (result.problems.length > 0) {
    lines.push(`- Problems (${result.problems.length}):`);
    for (const problem of result.problems.slice(0, 10)) lines.push(`  - ${problem}`);
    if (result.problems.length > 10) lines.push(`  - … and ${result.problems.length - 10} more`);
  }
  return lines.join('\n');
}

export function render(
  results: readonly ScenarioResult[],
  template = readFileSync(TEMPLATE, 'utf8'),
): string {
  const scenarios = scenariosOf(template);
  const byPrefix = (prefix: string): ScenarioResult | undefined =>
    results.find((r) => r.id.startsWith(prefix));
  const unknown = results.filter((r) => !scenarios.some((s) => r.id.startsWith(s.prefix)));
  if (unknown.length > 0) {
    throw new Error(`${TEMPLATE} has no scenario for the result(s) ${unknown.map((r) => r.id).join(', ')}`);
  }
  return new Template(template, TEMPLATE).render({
    finishedAt:
      results
        .map((r) => r.finishedAt)
        .sort()
        .at(-1) ?? '(no run)',
    summaryRows: scenarios.map(({ prefix, title }) => row(byPrefix(prefix), title)).join('\n'),
    ...Object.fromEntries(scenarios.map(({ prefix }) => [`figures.${prefix}`, figures(byPrefix(prefix))])),
  });
}

function main(): void {
  const root = join(__dirname, '..');
  const dir = join(root, 'test-results', 'reliability');
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? process.argv[outIndex + 1]! : join(root, 'RELIABILITY.md');
  const results = existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => file.endsWith('.json'))
        .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as ScenarioResult)
    : [];
  writeFileSync(out, render(results));
  console.log(
    `${out}: ${results.length} scenario result(s), ${results.filter((r) => r.passed).length} passed`,
  );
}

if (require.main === module) main();
