import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { E2eStep } from '../../../bench/e2e-load';
import { BENCH_DIR, type BenchResult, readResult, useOutputDir } from '../../../bench/lib/results';
import type { OverloadStep } from '../../../bench/overload';
import { composeReport } from '../../../bench/report';
import { cpuMsPerOrder, sustained } from '../../../bench/report/local-speed';
import { Template } from '../../../scripts/lib/markdown-template';

/** A copy of the committed results, changed so the report takes the alternatives they do not. */
function resultsTakingOtherBranches(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  cpSync(join(BENCH_DIR, 'results'), join(dir, 'results'), { recursive: true });
  useOutputDir(dir);
  const change = <T>(name: string, figures: (current: T) => T): void => {
    const result = readResult<T>(name)!;
    const changed: BenchResult<T> = { ...result, figures: figures(result.figures) };
    writeFileSync(join(dir, 'results', `${name}.json`), JSON.stringify(changed));
  };
  change<{ steps: E2eStep[] }>('e2e-load', ({ steps }) => ({
    steps: steps.map((step, index) =>
      index < 2
        ? {
            ...step,
            checkoutLatencyMs: { ...step.checkoutLatencyMs, p99: 40 },
            confirmLatencyMs: { ...step.confirmLatencyMs, p99: 900 },
            lagZeroAfterMs: 4000,
          }
        : step,
    ),
  }));
  change<Record<string, unknown>>('catch-up', (figures) => ({
    ...figures,
    drained: true,
    drainSeconds: 20.4,
    drainRateMultipleOfArrival: 12.5,
  }));
  change<{ medianSeconds: number }>('synth', (figures) => ({ ...figures, medianSeconds: 16.2 }));
  change<{ steps: OverloadStep[] }>('overload', ({ steps }) => ({
    steps: steps.map((step) => ({
      ...step,
      maxSagaBacklog: { ...step.maxSagaBacklog, paymentService: 700 },
    })),
  }));
  rmSync(join(dir, 'results', 'profile.json'));
  return dir;
}

describe('the benchmark report', () => {
  let scratch: string | undefined;
  afterEach(() => {
    useOutputDir(BENCH_DIR);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it('parses every template in bench/templates', () => {
    // Prepare
    const dir = join(BENCH_DIR, 'templates');

    // Act
    const parse = () => readdirSync(dir).map((file) => Template.read(join(dir, file)));

    // Assess
    expect(parse).not.toThrow();
  });

  it('renders the committed results with every placeholder filled and every value used', () => {
    // Act
    const { markdown, charts } = composeReport();

    // Assess
    expect(markdown).toMatch(/^# Benchmarks\n/);
    expect(markdown).not.toMatch(/\{\{|<!--/);
    for (const section of ['## 1. End-to-end load', '## 5. Cold start', '## 10. Units per happy order']) {
      expect(markdown).toContain(section);
    }
    expect(charts.length).toBeGreaterThan(0);
  });

  it('takes the alternatives that the figures call for', () => {
    // Prepare
    scratch = resultsTakingOtherBranches();

    // Act
    const { markdown } = composeReport();

    // Assess
    expect(markdown).not.toMatch(/\{\{|<!--/);
    expect(markdown).toContain('Not run yet: profile.');
    expect(markdown).toContain('(highest step meeting every target: 21/s).');
    expect(markdown).toContain('| highest step meeting all: 21/s | **no** |');
    expect(markdown).not.toContain('The CPU profile (section 8)');
    expect(markdown).toContain('Target: drain rate ≥ 10x the arrival rate with idempotency on — met.');
    expect(markdown).not.toContain('**Bottleneck analysis.** While draining');
    expect(markdown).toMatch(
      /Target < 15 s — \*\*not met\*\*\.\n\n.*\n\n\*\*Bottleneck analysis\.\*\* `cdk synth`/,
    );
    expect(markdown).toContain('The saga backlog passed the admission threshold (600 commands) at 2x and 4x');
    expect(markdown).toContain('| 21 orders/s (the highest step that met it) | **no** | section 1 |');
    expect(markdown).toContain('| 12.50x | yes | section 2 |');
  });

  it('counts a step as sustained only if every offered checkout was accepted and confirmed in time', () => {
    // Prepare
    const [step] = readResult<{ steps: E2eStep[] }>('e2e-load')!.figures.steps;
    const carried: E2eStep = {
      ...step!,
      statusCounts: { '202': 100 },
      confirmed: 100,
      expectedConfirmed: 100,
      unresolved: 0,
      lagZeroAfterMs: 4000,
    };

    // Act
    const verdicts = [
      carried,
      { ...carried, statusCounts: { '202': 80, '503': 20 } },
      { ...carried, statusCounts: { '202': 90, 'error:shed': 10 } },
      { ...carried, confirmed: 99 },
      { ...carried, lagZeroAfterMs: 12_000 },
    ].map(sustained);

    // Assess
    expect(verdicts).toEqual([true, false, false, false, false]);
  });

  it('counts every process of the run in the CPU per confirmed order', () => {
    // Prepare
    const [step] = readResult<{ steps: E2eStep[] }>('e2e-load')!.figures.steps;
    const measured: E2eStep = {
      ...step!,
      confirmed: 30,
      cpu: { ...step!.cpu, seconds: 10, byProcess: { broker: 100, pipeline: 50 } },
    };

    // Act
    const ms = cpuMsPerOrder(measured);

    // Assess
    expect(ms).toBe(500);
    expect(cpuMsPerOrder({ ...measured, confirmed: 0 })).toBeUndefined();
  });
});
