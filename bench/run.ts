/**
 * `npm run bench [-- --quick] [names...]`: runs the benchmarks (all by default, in an order that
 * starts the real parts once), writes bench/results/<name>.json each, then renders bench/REPORT.md
 * and the charts. `npm run bench:<name>` runs one. Exits non-zero when a benchmark crashed (a
 * missed target is a finding, not a crash).
 */
import { loadavg } from 'node:os';
import { runBeforeAfter } from './before-after';
import { runCatchUp } from './catch-up';
import { runColdStart } from './cold-start';
import { runE2eLoad } from './e2e-load';
import { runIdempotencyCost } from './idempotency-cost';
import { runKafkaCeiling } from './kafka-ceiling';
import type { BenchContext } from './lib/context';
import { type BenchEnvironment, startBenchEnvironment } from './lib/environment';
import { QUICK_OUTPUT_DIR, readResult, useOutputDir } from './lib/results';
import { runOverload } from './overload';
import { runProfile } from './profile';
import { renderReport } from './report';
import { runSynth } from './synth';
import { runUnitCounts } from './unit-counts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

interface Benchmark {
  readonly run: (ctx: BenchContext) => Promise<string>;
  /** Whether it needs the private stack and pipeline (stopped once no later benchmark does). */
  readonly usesStack: boolean;
  /**
   * Leaves the stack unfit for the next benchmark: a saturated ramp's sagas still running, or
   * consumers paused on a backlog that is not theirs. The runner stops it; the next one starts fresh.
   */
  readonly dirtiesStack?: boolean;
  /** Seconds a full run takes, for the time-left estimate until the benchmark has a result of its own. */
  readonly typicalSeconds: number;
}

/**
 * In run order: cold start before the stack exists; the profile after the shared stack is stopped
 * (it starts its own in a profiled child); synth last on a machine the stack no longer loads.
 */
const BENCHMARKS: Record<string, Benchmark> = {
  'cold-start': { run: runColdStart, usesStack: false, typicalSeconds: 30 },
  // First on the fresh stack: its topics hold little else to read through.
  'unit-counts': { run: runUnitCounts, usesStack: true, typicalSeconds: 90 },
  'kafka-ceiling': { run: runKafkaCeiling, usesStack: true, typicalSeconds: 90 },
  'idempotency-cost': { run: runIdempotencyCost, usesStack: true, typicalSeconds: 60 },
  'e2e-load': { run: runE2eLoad, usesStack: true, dirtiesStack: true, typicalSeconds: 350 },
  'catch-up': { run: runCatchUp, usesStack: true, dirtiesStack: true, typicalSeconds: 530 },
  // At 4x the side-effect consumers are still minutes behind when it ends (they get a minute only).
  overload: { run: runOverload, usesStack: true, dirtiesStack: true, typicalSeconds: 300 },
  'before-after': { run: runBeforeAfter, usesStack: true, typicalSeconds: 310 },
  profile: { run: runProfile, usesStack: false, typicalSeconds: 130 },
  synth: { run: runSynth, usesStack: false, typicalSeconds: 60 },
};

/** What a benchmark took last time on this machine (its results file), else its typical time. */
function expectedSeconds(name: string, quick: boolean): number {
  const last = readResult(name)?.durationSeconds;
  if (last !== undefined) return last;
  return quick ? Math.min(BENCHMARKS[name]!.typicalSeconds, 60) : BENCHMARKS[name]!.typicalSeconds;
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

/** A full `npm run bench` fits half an hour on two cores; quick runs get a few minutes. */
const FULL_BUDGET_MS = 28 * 60_000;
const QUICK_BUDGET_MS = 8 * 60_000;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const noReport = args.includes('--no-report');
  // Quick figures never replace the committed full-run ones unless published on purpose.
  if (quick && !args.includes('--publish')) useOutputDir(QUICK_OUTPUT_DIR);
  const names = args.filter((arg) => !arg.startsWith('--'));
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    throw new RangeError(
      `Unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
    );
  }
  const selected =
    names.length > 0
      ? Object.keys(BENCHMARKS).filter((name) => names.includes(name))
      : Object.keys(BENCHMARKS);
  const started = Date.now();
  const log = (line: string): void =>
    console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  let environment: Promise<BenchEnvironment> | undefined;
  const ctx: BenchContext = {
    quick,
    log,
    environment: () => {
      environment ??= startBenchEnvironment(log);
      return environment;
    },
    deadline: started + (quick ? QUICK_BUDGET_MS : FULL_BUDGET_MS),
  };
  const stopEnvironment = async (): Promise<void> => {
    const running = environment;
    environment = undefined;
    if (running) await (await running.catch(() => undefined))?.stop().catch(() => undefined);
  };
  const crashed: string[] = [];
  const stopOnSignal = async (): Promise<void> => {
    await stopEnvironment();
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  log(
    `${quick ? 'quick' : 'full'} run of ${selected.join(', ')}; loadavg ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    for (const [index, name] of selected.entries()) {
      const benchStarted = Date.now();
      const left = selected.slice(index).reduce((sum, later) => sum + expectedSeconds(later, quick), 0);
      log(`step ${index + 1} of ${selected.length}: ${name} (about ${minutes(left)} left in all)`);
      if (
        !BENCHMARKS[name]!.usesStack &&
        !selected.slice(index).some((later) => BENCHMARKS[later]!.usesStack)
      ) {
        await stopEnvironment();
      }
      try {
        const file = await BENCHMARKS[name]!.run(ctx);
        log(`${name} done in ${((Date.now() - benchStarted) / 1000).toFixed(0)} s -> ${file}`);
      } catch (error) {
        crashed.push(name);
        log(`${name} CRASHED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
      if (BENCHMARKS[name]!.dirtiesStack) await stopEnvironment();
    }
  } finally {
    await stopEnvironment();
  }
  if (!noReport) {
    const report = await renderReport({ log });
    log(`report written: ${report}`);
  }
  log(
    `finished in ${((Date.now() - started) / 1000).toFixed(0)} s; loadavg ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (crashed.length > 0) {
    console.error(`Crashed: ${crashed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
