/**
 * Benchmark 8, CPU profile under load: where the bench process's CPU goes per order. Runs a child
 * `node --cpu-prof --import tsx bench/lib/profile-target.ts` (a private stack and pipeline of its
 * own, an open-loop rate of checkouts), then summarises every thread's .cpuprofile over the
 * measured window: per thread sampled, idle, GC and busy ms, self time by package / project area /
 * Node internal, and the costliest functions. The raw profiles stay in .local/bench-profile/.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repositoryRoot } from '../local/infra/paths';
import type { BenchContext } from './lib/context';
import {
  type BucketCost,
  type CpuProfile,
  type FunctionCost,
  isMainThreadProfile,
  MAIN_THREAD_LABEL,
  summariseByLabel,
  summariseOverall,
  summariseProfile,
  type ThreadSummary,
} from './lib/cpu-profile-summary';
import {
  PROFILE_TARGET_SETTINGS_ENV,
  type ProfileTargetReport,
  type ProfileTargetSettings,
} from './lib/profile-protocol';
import { machineInfo, round2, writeResult } from './lib/results';

/** One sample every 2 ms per thread: ~20 profiled threads at the default 1 ms would add their own load. */
const SAMPLING_INTERVAL_US = 2_000;
const CHILD_TIMEOUT_MS = 8 * 60_000;
const TOP_FUNCTIONS = 15;
const TOP_BUCKETS_PER_THREAD = 6;

export interface ProfileThreadRow {
  readonly label: string;
  readonly threads: number;
  readonly sampledMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  readonly programMs: number;
  readonly busyMs: number;
  readonly busyMsPerOrder: number;
  readonly topGroups: readonly BucketCost[];
}

export interface ProfileFigures {
  readonly load: Omit<ProfileTargetReport, 'window'>;
  readonly profileFiles: number;
  readonly profileDir: string;
  /** Busy (non-idle) ms over every thread in the window ÷ orders placed. */
  readonly cpuMsPerOrder: number;
  /**
   * The process's CPU time from /proc over the same window ÷ orders placed. On a crowded machine a
   * profile's busy time also holds the time a runnable thread waited for a core; /proc does not.
   */
  readonly procCpuMsPerOrder: number | null;
  readonly busyMs: number;
  readonly gcMs: number;
  readonly threads: readonly ProfileThreadRow[];
  /**
   * Busy self time by rolled-up group (@aws-sdk/*, kafkajs, lambdas/payment, node internals ...);
   * procCpuMsPerOrder: the group's share of the main thread's and of the workers' samples times
   * each side's /proc CPU time, per order.
   */
  readonly groups: readonly (BucketCost & {
    msPerOrder: number;
    share: number;
    procCpuMsPerOrder: number | null;
  })[];
  /** As `groups`, with Node-internal and builtin time charged to the calling package or project area. */
  readonly groupsByCaller: readonly (BucketCost & {
    msPerOrder: number;
    share: number;
    procCpuMsPerOrder: number | null;
  })[];
  /** Busy self time by exact bucket (node_modules/<pkg>, local/<dir>, node:internal/<dir> ...). */
  readonly buckets: readonly (BucketCost & { msPerOrder: number; share: number })[];
  readonly topFunctions: readonly (FunctionCost & { share: number })[];
  /** The same process before the window (stack and pipeline start, warm-up): busy ms and top groups. */
  readonly beforeWindow: { readonly busyMs: number; readonly groups: readonly BucketCost[] };
}

export async function runProfile(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const root = repositoryRoot();
  const mode = ctx.quick ? 'quick' : 'full';
  const profileRoot = join(root, '.local', 'bench-profile');
  const settings = targetSettings(ctx.quick, '');
  // `--reuse-profiles` summarises the latest run's raw profiles again without running anything.
  const reuse = process.argv.includes('--reuse-profiles')
    ? readdirSyncSafe(profileRoot)
        .filter((name) => name.startsWith(`${mode}-`))
        .sort()
        .at(-1)
    : undefined;
  const runDir = join(profileRoot, reuse ?? `${mode}-${started.toISOString().replace(/[:.]/g, '-')}`);
  const profileDir = join(runDir, 'cpuprofiles');
  const reportFile = join(runDir, 'target-report.json');
  if (reuse) {
    ctx.log(`profile: summarising ${runDir} again`);
  } else {
    // Only the latest run's raw profiles are kept (tens of MB each run).
    for (const old of readdirSyncSafe(profileRoot).filter((name) => name.startsWith(`${mode}-`))) {
      rmSync(join(profileRoot, old), { recursive: true, force: true });
    }
    mkdirSync(profileDir, { recursive: true });
    ctx.log(`profile: ${settings.ratePerSecond} orders/s for ${settings.durationSeconds} s under --cpu-prof`);
    await runTarget(ctx, root, profileDir, { ...settings, reportFile });
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ProfileTargetReport;

  const files = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  const threads: ThreadSummary[] = [];
  const before: ThreadSummary[] = [];
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
    const isMain = isMainThreadProfile(file);
    threads.push(summariseProfile(profile, { repoRoot: root, isMain, window: report.window }));
    before.push(
      summariseProfile(profile, {
        repoRoot: root,
        isMain,
        window: { startUs: 0, endUs: report.window.startUs },
      }),
    );
  }
  const figures = profileFigures(report, threads, before, files.length, runDir.slice(root.length + 1));
  ctx.log(
    `profile: ${figures.cpuMsPerOrder} CPU ms/order over ${files.length} thread profiles; top: ${figures.groups
      .slice(0, 5)
      .map((g) => `${g.name} ${g.msPerOrder} ms`)
      .join(', ')}`,
  );
  const { window: _window, ...load } = report;
  return writeResult(
    'profile',
    mode,
    started,
    machine,
    {
      rate: settings.ratePerSecond,
      durationSeconds: settings.durationSeconds,
      drainCapSeconds: settings.drainCapMs / 1000,
      samplingIntervalUs: SAMPLING_INTERVAL_US,
      target:
        'node --cpu-prof --import tsx bench/lib/profile-target.ts: its own stack (.local/bench-profile-stack) and pipeline',
      window:
        'first send until every order resolved and every consumer idle (or the drain cap); start-up and warm-up excluded',
      cart: 'as e2e-load: 1-5 lines, 98 % tok_approve, 20 customers; warm-up 60 orders not measured',
      busy: 'every sample not "(idle)"; a thread blocked in a synchronous call counts as busy',
      lines: 'file:line:column of the code V8 ran (tsx output for .ts sources: most of a module on one line)',
      ...(reuse
        ? { summarisedAgain: `profiles of ${reuse}; the run's load average is the window's, under Load` }
        : {}),
    },
    { ...figures, load },
  );
}

function targetSettings(quick: boolean, reportFile: string): ProfileTargetSettings {
  return {
    ratePerSecond: quick ? 4 : 8,
    durationSeconds: quick ? 8 : 30,
    drainCapMs: quick ? 20_000 : 30_000,
    reportFile,
    dataMarker: join('.local', 'bench-profile-stack'),
  };
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Runs the profiled child; its output goes to the bench log. */
async function runTarget(
  ctx: BenchContext,
  root: string,
  profileDir: string,
  settings: ProfileTargetSettings,
): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      `--cpu-prof-interval=${SAMPLING_INTERVAL_US}`,
      '--import',
      'tsx',
      join('bench', 'lib', 'profile-target.ts'),
    ],
    {
      cwd: root,
      env: { ...process.env, [PROFILE_TARGET_SETTINGS_ENV]: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  createInterface({ input: child.stdout }).on('line', (line) => ctx.log(`profile target: ${line}`));
  createInterface({ input: child.stderr }).on('line', (line) => ctx.log(`profile target ! ${line}`));
  const timer = setTimeout(() => child.kill('SIGTERM'), CHILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`The profiled target exited with code ${code}`);
}

/** The figures of one run: per label, overall per order, and the top functions. */
export function profileFigures(
  report: ProfileTargetReport,
  threads: readonly ThreadSummary[],
  before: readonly ThreadSummary[],
  profileFiles: number,
  profileDir: string,
): Omit<ProfileFigures, 'load'> {
  const orders = Math.max(1, report.ordersPlaced);
  const overall = summariseOverall(threads);
  const perOrder = (ms: number): number => round2(ms / orders);
  const share = (ms: number): number => round2((ms / Math.max(overall.busyMs, 1e-9)) * 100);
  const withShare = (cost: BucketCost) => ({
    ...cost,
    ms: round2(cost.ms),
    msPerOrder: perOrder(cost.ms),
    share: share(cost.ms),
  });
  const beforeOverall = summariseOverall(before);
  const benchPercent = Object.entries(report.cpu.byProcess).find(([name]) =>
    name.startsWith('bench-node'),
  )?.[1];
  const procCpuMsPerOrder =
    benchPercent === undefined ? null : round2(((benchPercent / 100) * report.cpu.seconds * 1000) / orders);
  // A starved thread's samples also hold its wait for a core, and the main thread (many short
  // wake-ups) waits more per CPU ms than a worker: each side's shares are scaled by its own /proc time.
  const cpuMsOf = (prefix: string): number | undefined => {
    const percent = Object.entries(report.cpu.benchThreads).find(([name]) => name.startsWith(prefix))?.[1];
    return percent === undefined ? undefined : (percent / 100) * report.cpu.seconds * 1000;
  };
  const sides = [
    { threads: threads.filter((t) => t.label === MAIN_THREAD_LABEL), cpuMs: cpuMsOf('main thread') },
    { threads: threads.filter((t) => t.label !== MAIN_THREAD_LABEL), cpuMs: cpuMsOf('other threads') },
  ].map((side) => ({ ...side, overall: summariseOverall(side.threads) }));
  const scaledByThreads = sides.every((side) => side.cpuMs !== undefined);
  const withProcCpu = (key: 'groups' | 'groupsByCaller') => (cost: BucketCost) => {
    const costed = withShare(cost);
    let cpuMs: number | null = null;
    if (scaledByThreads) {
      cpuMs = sides.reduce((sum, side) => {
        const ms = side.overall[key].find((entry) => entry.name === cost.name)?.ms ?? 0;
        return sum + (ms / Math.max(side.overall.busyMs, 1e-9)) * side.cpuMs!;
      }, 0);
    } else if (procCpuMsPerOrder !== null) {
      cpuMs = (costed.share / 100) * procCpuMsPerOrder * orders;
    }
    return { ...costed, procCpuMsPerOrder: cpuMs === null ? null : perOrder(cpuMs) };
  };
  return {
    profileFiles,
    profileDir,
    cpuMsPerOrder: perOrder(overall.busyMs),
    procCpuMsPerOrder,
    busyMs: round2(overall.busyMs),
    gcMs: round2(overall.gcMs),
    threads: summariseByLabel(threads).map((row) => ({
      label: row.label,
      threads: row.threads,
      sampledMs: round2(row.sampledMs),
      idleMs: round2(row.idleMs),
      gcMs: round2(row.gcMs),
      programMs: round2(row.programMs),
      busyMs: round2(row.busyMs),
      busyMsPerOrder: perOrder(row.busyMs),
      topGroups: row.groups.slice(0, TOP_BUCKETS_PER_THREAD).map((g) => ({ ...g, ms: round2(g.ms) })),
    })),
    groups: overall.groups.map(withProcCpu('groups')),
    groupsByCaller: overall.groupsByCaller.map(withProcCpu('groupsByCaller')),
    buckets: overall.buckets.slice(0, 40).map(withShare),
    topFunctions: overall.functions
      .filter((fn) => !fn.functionName.startsWith('('))
      .slice(0, TOP_FUNCTIONS)
      .map((fn) => ({ ...fn, selfMs: round2(fn.selfMs), share: share(fn.selfMs) })),
    beforeWindow: {
      busyMs: round2(beforeOverall.busyMs),
      groups: beforeOverall.groups.slice(0, 8).map((g) => ({ ...g, ms: round2(g.ms) })),
    },
  };
}
