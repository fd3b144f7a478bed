/** Section 1: the open-loop ramp, and where the time of a saturated step goes. */

import type { TemplateValues } from '../../scripts/lib/markdown-template';
import type { ArchitectureRun } from '../before-after';
import type { E2eStep } from '../e2e-load';
import { type BarChart, barChartSvg } from '../lib/charts';
import { type BenchResult, readResult } from '../lib/results';
import type { ProfileFigures } from '../profile';
import { runOf } from './before-after';
import { cpuMsPerOrder, peakStep, sustained } from './local-speed';
import { chartFile, cpuLine, entries, fmt, header, metCell, type Section, template, verdict } from './shared';

export function e2eSection(result: BenchResult<{ steps: E2eStep[] }>): Section {
  const text = template('e2e-load');
  const steps = result.figures.steps;
  const rows = steps.map((s) => {
    if (s.skipped) return text.snippet('skipped-step', { rate: s.targetRate, reason: s.skipped });
    const statuses = Object.entries(s.statusCounts)
      .filter(([status]) => status !== '202')
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ');
    return text.snippet('step', {
      rate: s.targetRate,
      acceptedRate: fmt(s.acceptedRate, 1),
      confirmedRate: fmt(s.confirmedRate, 1),
      checkoutP50: fmt(s.checkoutLatencyMs.p50),
      checkoutP95: fmt(s.checkoutLatencyMs.p95),
      checkoutP99: fmt(s.checkoutLatencyMs.p99),
      confirmP50: fmt(s.confirmLatencyMs.p50),
      confirmP95: fmt(s.confirmLatencyMs.p95),
      confirmP99: fmt(s.confirmLatencyMs.p99),
      confirmed: s.confirmed,
      expected: s.expectedConfirmed,
      errorStatuses: statuses !== '',
      statuses,
      anyFailed: Object.keys(s.failed).length > 0,
      failures: entries(s.failed, ': '),
      unresolved: s.unresolved,
      maxLag: entries(s.maxLag),
      lagDrained: s.lagZeroAfterMs !== null,
      lagZeroAfterSeconds: s.lagZeroAfterMs === null ? undefined : (s.lagZeroAfterMs / 1000).toFixed(1),
      generatorLagMs: s.maxGeneratorLagMs,
      cpuMsPerOrder: fmt(cpuMsPerOrder(s)),
    });
  });
  const ran = steps.filter((s) => !s.skipped);
  const top = ran.at(-1);
  const best = ran.filter(
    (s) =>
      s.confirmed >= s.expectedConfirmed &&
      s.lagZeroAfterMs !== null &&
      s.lagZeroAfterMs <= 10_000 &&
      (s.checkoutLatencyMs.p99 ?? Infinity) < 50 &&
      (s.confirmLatencyMs.p99 ?? Infinity) < 1100,
  );
  const highest = best.at(-1);
  const sustained417 = best.some((s) => s.targetRate >= 417);
  const shortfalls = ran
    .filter((s) => !best.includes(s))
    .map((s) =>
      text.snippet('shortfall', {
        rate: s.targetRate,
        reasons: [
          s.confirmed < s.expectedConfirmed
            ? text.snippet('not-confirmed', { count: s.expectedConfirmed - s.confirmed })
            : '',
          (s.checkoutLatencyMs.p99 ?? 0) >= 50
            ? text.snippet('checkout-p99', { ms: fmt(s.checkoutLatencyMs.p99) })
            : '',
          (s.confirmLatencyMs.p99 ?? 0) >= 1100
            ? text.snippet('confirm-p99', { ms: fmt(s.confirmLatencyMs.p99) })
            : '',
          s.lagZeroAfterMs === null || s.lagZeroAfterMs > 10_000 ? text.snippet('lag-not-drained') : '',
        ]
          .filter(Boolean)
          .join(', '),
        cpu: cpuLine(s.cpu),
      }),
    );
  const markdown = text.render({
    header: header(result),
    rows: rows.join('\n'),
    verdict: verdict(sustained417),
    someStepMet: highest !== undefined,
    highestRate: highest?.targetRate,
    shortfall: shortfalls.length > 0,
    shortfalls: shortfalls.join('\n'),
    ...e2eBottleneck(ran, top, readResult<ProfileFigures>('profile')?.figures),
  });
  const chart: BarChart = {
    title: 'End-to-end latency per step (ms, log scale)',
    categories: ran.map((s) => `${s.targetRate}/s`),
    series: [
      { name: 'checkout p50', values: ran.map((s) => s.checkoutLatencyMs.p50) },
      { name: 'checkout p99', values: ran.map((s) => s.checkoutLatencyMs.p99) },
      { name: 'confirmed p50', values: ran.map((s) => s.confirmLatencyMs.p50) },
      { name: 'confirmed p99', values: ran.map((s) => s.confirmLatencyMs.p99) },
    ],
    yLabel: 'ms',
    logScale: true,
    target: { value: 1100, label: 'confirm p99 target 1.1 s' },
  };
  return {
    markdown,
    charts: [chartFile('e2e-load', barChartSvg(chart))],
    summary: [
      text.snippet('summary', {
        mode: result.mode,
        someStepMet: highest !== undefined,
        highestRate: highest?.targetRate,
        topRate: top?.targetRate ?? '-',
        topAcceptedRate: fmt(top?.acceptedRate, 1),
        topCheckoutP99: fmt(top?.checkoutLatencyMs.p99),
        topConfirmP99: fmt(top?.confirmLatencyMs.p99),
        met: metCell(sustained417),
      }),
    ],
  };
}

/**
 * Where the time of a saturated ramp goes: the step's own CPU and lag figures, the CPU profile's
 * (section 8) when there is one, and whether checkout answers queued up to API Gateway's timeout.
 */
function e2eBottleneck(
  steps: readonly E2eStep[],
  top: E2eStep | undefined,
  profile: ProfileFigures | undefined,
): TemplateValues {
  const leader = top ? Object.entries(top.cpu.byProcess).sort(([, a], [, b]) => b - a)[0] : undefined;
  const [laggiest, laggiestLag] = top
    ? (Object.entries(top.maxLag).sort(([, a], [, b]) => b - a)[0] ?? ['-', 0])
    : ['-', 0];
  const timeouts = top?.failed.PAYMENT_TIMEOUT ?? 0;
  // The highest step the pipeline carried (latency aside): the sustained rate.
  const carried = steps.filter(sustained);
  const sustainedRate = carried.at(-1)?.targetRate;
  const next = steps.find((s) => !carried.includes(s) && s.targetRate > (sustainedRate ?? 0));
  // Checkout answers near 29 s are API Gateway's integration timeout: requests queued for a checkout environment.
  const queued = steps.filter(
    (s) => (s.checkoutLatencyMs.p99 ?? 0) > 20_000 || Object.keys(s.statusCounts).some((k) => k === '504'),
  );
  return {
    topRate: top?.targetRate ?? '-',
    leader: leader?.[0] ?? 'unknown',
    leaderPercent: fmt(leader?.[1]),
    machineBusy: fmt(top?.cpu.machineBusyPercent),
    confirmedRate: fmt(top?.confirmedRate, 1),
    acceptedRate: fmt(top?.acceptedRate, 1),
    sustainedSome: sustainedRate !== undefined,
    sustainedRate,
    nextRate: next?.targetRate ?? '-',
    ...beforeAfterRate(),
    laggiest,
    laggiestLag,
    paymentTimeouts: timeouts > 0,
    timeouts,
    profiled: profile !== undefined,
    profileLeaders: profile?.groupsByCaller
      .slice(0, 5)
      .map((g) => `${g.name} ${fmt(g.share)} %`)
      .join(', '),
    checkoutQueued: queued.length > 0,
    queuedFrom: queued[0]?.targetRate,
    ...peakCheckoutTail(steps),
  };
}

/**
 * A checkout tail at the shop's peak, the ramp's first step, on a machine with a core to spare: not
 * CPU, but what a checkout waits for on its own path.
 */
function peakCheckoutTail(steps: readonly E2eStep[]): TemplateValues {
  const peak = peakStep(steps);
  const slow =
    peak !== undefined && (peak.checkoutLatencyMs.p99 ?? 0) >= 50 && peak.cpu.machineBusyPercent < 100;
  return {
    peakCheckoutTail: slow,
    peakRate: slow ? peak.targetRate : undefined,
    peakCheckoutP95: slow ? fmt(peak.checkoutLatencyMs.p95) : undefined,
    peakCheckoutP99: slow ? fmt(peak.checkoutLatencyMs.p99) : undefined,
    peakMachineBusy: slow ? fmt(peak.cpu.machineBusyPercent) : undefined,
  };
}

/** Benchmark 7 runs this system at one fixed rate for a minute: a further point below the ceiling when every order was confirmed. */
function beforeAfterRate(): TemplateValues {
  const result = readResult<{ runs: ArchitectureRun[] }>('before-after');
  const run = result && runOf(result.figures.runs, 'event', false);
  const sustained = result !== undefined && run !== undefined && run.failedOrders === 0 && !run.notConfirmed;
  return {
    beforeAfterSustained: sustained,
    beforeAfterRate: sustained ? String(result.settings.ratePerSecond) : undefined,
    beforeAfterSeconds: sustained ? String(result.settings.secondsPerRun) : undefined,
  };
}
