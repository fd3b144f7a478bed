/**
 * What every benchmark records next to its figures: the machine (cores, memory, load), the versions
 * of the parts it ran against and its settings, so a number is never read without its context.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../../local/infra/kafka-cluster';
import { repositoryRoot } from '../../local/infra/paths';

export const BENCH_DIR = join(repositoryRoot(), 'bench');
/**
 * Where results, charts and the report go: bench/ for a full run (the committed figures); quick
 * runs (the test command's smoke check) go to .local/bench-quick/ so they never replace them,
 * unless published on purpose (`--publish`).
 */
let outputDir = BENCH_DIR;

export function useOutputDir(dir: string): void {
  outputDir = dir;
}

export function outputDirectory(): string {
  return outputDir;
}

export const QUICK_OUTPUT_DIR = join(repositoryRoot(), '.local', 'bench-quick');

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryMiB: number;
  readonly loadavgAtStart: readonly number[];
  readonly loadavgAtEnd?: readonly number[];
}

export interface BenchResult<T = unknown> {
  readonly name: string;
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly versions: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly figures: T;
}

export function machineInfo(): MachineInfo {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    loadavgAtStart: loadavg().map(round2),
  };
}

export function versions(): Record<string, string> {
  return {
    node: process.version,
    kafka: KAFKA_VERSION,
    // The DynamoDB server is this repository's own code: its version is the commit measured.
    dynamodbServer: `local/dynamodb@${gitCommit()}`,
    kafkajs: packageVersion('kafkajs'),
    esbuild: packageVersion('esbuild'),
    awsCdkLib: packageVersion('aws-cdk-lib'),
  };
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

/** Writes bench/results/<name>.json, formatted the way the repository's formatter wants it. */
export function writeResult<T>(
  name: string,
  mode: 'quick' | 'full',
  started: Date,
  machine: MachineInfo,
  settings: Record<string, unknown>,
  figures: T,
): string {
  const finished = new Date();
  const result: BenchResult<T> = {
    name,
    mode,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: round2((finished.getTime() - started.getTime()) / 1000),
    machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
    versions: versions(),
    settings,
    figures,
  };
  const dir = join(outputDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  try {
    // The test command lints the whole repository, results included.
    execFileSync('npx', ['biome', 'format', '--write', file], { stdio: 'ignore' });
  } catch {
    // An unformatted result is still a result; `npm run format` fixes it.
  }
  return file;
}

export function readResult<T>(name: string): BenchResult<T> | undefined {
  try {
    return JSON.parse(readFileSync(join(outputDir, 'results', `${name}.json`), 'utf8')) as BenchResult<T>;
  } catch {
    return undefined;
  }
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Nearest-rank percentiles (ms values in, ms out, two decimals). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    round2(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round2(sorted.at(-1)!) };
}

export function median(values: readonly number[]): number {
  return percentiles(values).p50 ?? Number.NaN;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
