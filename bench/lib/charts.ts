/**
 * Charts for the report, drawn as SVG and turned into PNG by the machine's Chromium (Debian's
 * `chromium`, driven by playwright-core): no network, no charting dependency.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const WIDTH = 820;
const HEIGHT = 420;
const MARGIN = { top: 48, right: 24, bottom: 78, left: 78 };
const COLOURS = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#0ea5e9', '#84cc16', '#ec4899'];

export interface BarChart {
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly { name: string; values: readonly (number | null)[] }[];
  readonly yLabel: string;
  /** A horizontal target line. */
  readonly target?: { value: number; label: string };
  readonly logScale?: boolean;
}

export interface LineChart {
  readonly title: string;
  readonly series: readonly { name: string; points: readonly [number, number][] }[];
  readonly xLabel: string;
  readonly yLabel: string;
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function frame(title: string, body: string, legend: readonly string[]): string {
  const legendItems = legend
    .map((name, i) => {
      const x = MARGIN.left + i * 150;
      return `<rect x="${x}" y="${HEIGHT - 22}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/><text x="${x + 16}" y="${HEIGHT - 12}" font-size="12">${escapeXml(name)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="DejaVu Sans, sans-serif"><rect width="100%" height="100%" fill="white"/><text x="${WIDTH / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>${body}${legendItems}</svg>`;
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function axes(yMax: number, yLabel: string, log: boolean): { body: string; y: (v: number) => number } {
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const yMin = log ? 1 : 0;
  const y = (v: number): number =>
    log
      ? MARGIN.top +
        plotH *
          (1 - (Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)))
      : MARGIN.top + plotH * (1 - v / yMax);
  const ticks = log
    ? Array.from({ length: Math.ceil(Math.log10(yMax)) + 1 }, (_, i) => 10 ** i).filter((t) => t <= yMax)
    : Array.from({ length: 6 }, (_, i) => (yMax * i) / 5);
  const body = ticks
    .map(
      (t) =>
        `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e7eb"/><text x="${MARGIN.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${Number(t.toPrecision(4))}</text>`,
    )
    .join('');
  const label = `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(yLabel)}</text>`;
  return { body: body + label, y };
}

export function barChartSvg(chart: BarChart): string {
  const values = chart.series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  const yMax = niceMax(Math.max(1, ...values, chart.target?.value ?? 0) * 1.05);
  const { body: axisBody, y } = axes(yMax, chart.yLabel, chart.logScale ?? false);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const group = plotW / Math.max(1, chart.categories.length);
  const barW = (group * 0.8) / Math.max(1, chart.series.length);
  let bars = '';
  chart.categories.forEach((category, ci) => {
    const gx = MARGIN.left + ci * group + group * 0.1;
    chart.series.forEach((series, si) => {
      const value = series.values[ci];
      if (value === null || value === undefined || !Number.isFinite(value)) return;
      const top = y(Math.min(value, yMax));
      bars += `<rect x="${gx + si * barW}" y="${top}" width="${barW - 2}" height="${Math.max(0, y(chart.logScale ? 1 : 0) - top)}" fill="${COLOURS[si % COLOURS.length]}"><title>${value}</title></rect>`;
      if (chart.series.length * chart.categories.length <= 24) {
        bars += `<text x="${gx + si * barW + barW / 2}" y="${top - 3}" text-anchor="middle" font-size="9">${Number(value.toPrecision(3))}</text>`;
      }
    });
    // Many categories: slanted labels, so long bundle names do not run into each other.
    const labelX = gx + group * 0.4;
    const labelY = HEIGHT - MARGIN.bottom + 16;
    bars +=
      chart.categories.length > 5
        ? `<text x="${labelX}" y="${labelY}" text-anchor="end" font-size="10" transform="rotate(-25 ${labelX} ${labelY})">${escapeXml(category)}</text>`
        : `<text x="${labelX}" y="${labelY}" text-anchor="middle" font-size="11">${escapeXml(category)}</text>`;
  });
  const target = chart.target
    ? `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(chart.target.value)}" y2="${y(chart.target.value)}" stroke="#dc2626" stroke-dasharray="6 4"/><text x="${WIDTH - MARGIN.right}" y="${y(chart.target.value) - 4}" text-anchor="end" font-size="11" fill="#dc2626">${escapeXml(chart.target.label)}</text>`
    : '';
  return frame(
    chart.title,
    axisBody + bars + target,
    chart.series.map((s) => s.name),
  );
}

export function lineChartSvg(chart: LineChart): string {
  const xs = chart.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = chart.series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = niceMax(Math.max(1, ...xs));
  const yMax = niceMax(Math.max(1, ...ys) * 1.05);
  const { body: axisBody, y } = axes(yMax, chart.yLabel, false);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const x = (v: number): number => MARGIN.left + (plotW * v) / xMax;
  const xTicks = Array.from({ length: 6 }, (_, i) => (xMax * i) / 5)
    .map(
      (t) =>
        `<text x="${x(t)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-size="11">${Number(t.toPrecision(4))}</text>`,
    )
    .join('');
  const lines = chart.series
    .map(
      (s, i) =>
        `<polyline fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2" points="${s.points.map(([px, py]) => `${x(px)},${y(py)}`).join(' ')}"/>`,
    )
    .join('');
  const xLabel = `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - MARGIN.bottom + 36}" text-anchor="middle" font-size="12">${escapeXml(chart.xLabel)}</text>`;
  return frame(
    chart.title,
    axisBody + xTicks + xLabel + lines,
    chart.series.map((s) => s.name),
  );
}

/** Renders SVGs to PNG files with the system Chromium; returns the files written. */
export async function renderPngs(charts: readonly { file: string; svg: string }[]): Promise<string[]> {
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
  if (!executablePath) throw new Error('No Chromium found (apt-get install chromium) to render the charts');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
    for (const chart of charts) {
      await page.setContent(`<!doctype html><html><body style="margin:0">${chart.svg}</body></html>`);
      await page.screenshot({ path: chart.file, clip: { x: 0, y: 0, width: WIDTH, height: HEIGHT } });
    }
  } finally {
    await browser.close();
  }
  return charts.map((chart) => chart.file);
}
