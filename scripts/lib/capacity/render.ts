/**
 * The capacity report as text: a terminal table for `npm run capacity`, and the markdown sections
 * of docs/infrastructure.md, which sit between `<!-- capacity:begin <section> -->` and
 * `<!-- capacity:end <section> -->` markers so the rest of the page stays hand-written.
 */
import type { CostLine } from './cost';
import type { LimitRow } from './model';
import { type CapacityReport, MINIMUM_HEADROOM } from './report';

function figure(value: number): string {
  if (!Number.isFinite(value)) return '∞';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function usd(value: number): string {
  return `$${value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2)}`;
}

function covered(row: LimitRow): string {
  if (!row.request) return '';
  return `request ${row.request.value.toLocaleString('en-US')} (${figure(row.request.value / row.need)}x)`;
}

/** A documentation link's label: the page's own name, `with-msk-configure` for .../with-msk-configure.html. */
function pageName(url: string): string {
  return url
    .replace(/\/$/, '')
    .split('/')
    .at(-1)!
    .replace(/\.html$/, '');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function costRows(lines: readonly CostLine[]): string[][] {
  return lines.map((line) => [line.service, usd(line.usd), line.basis]);
}

/** The terminal report: every limit, then the costs, then what fails the headroom rule. */
export function renderText(report: CapacityReport): string {
  const out: string[] = [
    `${report.stage} at ${report.ordersPerSecond} orders/s in ${report.region}; units measured ${report.units.measured.at} over ${report.units.measured.orders} orders (${report.units.measured.command})`,
    '',
  ];
  const widths = [58, 12, 12, 9];
  const pad = (text: string, width: number, right = false) =>
    right ? text.padStart(width) : text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
  out.push(
    `${pad('limit', widths[0]!)} ${pad('need', widths[1]!, true)} ${pad('limit', widths[2]!, true)} ${pad('headroom', widths[3]!, true)}  unit / source`,
  );
  for (const row of report.rows) {
    const flag = report.findings.some((finding) => finding.row.id === row.id)
      ? `  <-- under ${MINIMUM_HEADROOM}x`
      : '';
    out.push(
      `${pad(row.what, widths[0]!)} ${pad(figure(row.need), widths[1]!, true)} ${pad(figure(row.limit), widths[2]!, true)} ${pad(`${figure(row.headroom)}x`, widths[3]!, true)}  ${row.unit}; ${row.source}${row.request ? `; ${covered(row)}` : ''}${flag}`,
    );
  }
  out.push('', 'Cost per million happy orders:');
  for (const line of report.costPerMillion)
    out.push(`  ${pad(line.service, 16)} ${pad(usd(line.usd), 10, true)}  ${line.basis}`);
  out.push(`  ${pad('without SES', 16)} ${pad(usd(report.designCostPerMillion), 10, true)}`);
  out.push('', `Fixed monthly cost (${report.stage}):`);
  for (const line of report.fixedMonthly)
    out.push(`  ${pad(line.service, 20)} ${pad(usd(line.usd), 10, true)}  ${line.basis}`);
  out.push('');
  if (report.findings.length === 0)
    out.push(`Every limit has ${MINIMUM_HEADROOM}x headroom or more, or a quota request that restores it.`);
  else {
    out.push(`${report.findings.length} limit(s) under ${MINIMUM_HEADROOM}x headroom:`);
    for (const finding of report.findings) out.push(`  ${finding.row.what}: ${finding.problem}`);
  }
  return `${out.join('\n')}\n`;
}

/** The markdown sections of docs/infrastructure.md, by marker name. */
export function docsSections(prod: CapacityReport, dev: CapacityReport): Record<string, string> {
  const measured = `Per-order units measured by \`${prod.units.measured.command}\` on ${prod.units.measured.at.slice(0, 10)} over ${prod.units.measured.orders} happy orders of the local mode (the real handlers; DynamoDB units by the documented sizing rules, Lambda billed duration on a 2-core machine, so an upper bound for AWS). Rendered by \`npm run capacity -- --write-docs\`.`;
  const limits = table(
    ['limit', 'need', 'limit', 'headroom', 'unit', 'source'],
    prod.rows.map((row) => [
      row.what,
      figure(row.need),
      figure(row.limit),
      `${figure(row.headroom)}x${row.request ? `, ${covered(row)}` : ''}`,
      row.unit,
      row.source.startsWith('http') ? `[${row.quota ?? pageName(row.source)}](${row.source})` : row.source,
    ]),
  );
  const requests = prod.rows.filter((row) => row.request);
  return {
    cost: [
      measured,
      '',
      `**Per million happy orders** (${prod.region} list prices, lib/config/aws-prices.ts): ${usd(prod.designCostPerMillion)} without SES.`,
      '',
      ...table(['service', 'per million orders', 'counted'], costRows(prod.costPerMillion)),
      '',
      '**Fixed per month, whatever the traffic**',
      '',
      ...table(
        ['item', 'dev', 'prod', 'counted (prod)'],
        prod.fixedMonthly.map((line) => {
          const devLine = dev.fixedMonthly.find((candidate) => candidate.service === line.service);
          return [line.service, usd(devLine?.usd ?? 0), usd(line.usd), line.basis];
        }),
      ),
    ].join('\n'),
    limits: [
      `Every limit on the order path of prod at ${prod.ordersPerSecond} orders/s in ${prod.region}. The build fails when one is under ${MINIMUM_HEADROOM}x and the stage names no quota request that restores it (test/infra/capacity-headroom.test.ts).`,
      '',
      ...limits,
      '',
      requests.length === 0
        ? 'No quota increase is needed.'
        : `Quota increases to request (lib/config/stages.ts \`quotaRequests\`): ${requests.map((row) => `${row.quota} to ${row.request!.value.toLocaleString('en-US')}`).join('; ')}.`,
    ].join('\n'),
  };
}

export class DocsMarkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocsMarkerError';
  }
}

/** Replaces each section's text between its markers; a missing marker is an error. */
export function replaceSections(page: string, sections: Readonly<Record<string, string>>): string {
  let result = page;
  for (const [name, body] of Object.entries(sections)) {
    const begin = `<!-- capacity:begin ${name} -->`;
    const end = `<!-- capacity:end ${name} -->`;
    const from = result.indexOf(begin);
    const to = result.indexOf(end);
    if (from < 0 || to < from)
      throw new DocsMarkerError(`docs/infrastructure.md has no ${begin} ... ${end} pair`);
    result = `${result.slice(0, from + begin.length)}\n${body}\n${result.slice(to)}`;
  }
  return result;
}
