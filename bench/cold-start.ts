/**
 * Benchmark 5, cold start: every Lambda entry bundled with esbuild the way
 * lib/constructs/pipeline-function.ts has the CDK bundle it (ESM, minified, createRequire banner,
 * AWS SDK bundled), then per bundle its size, the module initialisation time in fresh Node
 * processes (median of N: time of `await import(bundle)` inside the process, so Node's own start
 * is not counted) and its largest dependencies from esbuild's metafile.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { PIPELINE_FUNCTIONS, SETTING_ENV_VARS, TABLE_ENV_VARS } from '../lib/config/functions';
import { repositoryRoot } from '../local/infra/paths';
import type { BenchContext } from './lib/context';
import { machineInfo, median, percentiles, round2, writeResult } from './lib/results';

const run = promisify(execFile);

export interface BundleFigures {
  readonly entry: string;
  readonly bytes: number;
  readonly kib: number;
  readonly initMs: { median: number; p95: number | null; min: number; samples: number };
  readonly largestDependencies: { name: string; kib: number }[];
}

/** Environment a handler module may read while loading; nothing is contacted at init. */
const INIT_ENV: Record<string, string> = {
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  KAFKA_BROKERS: '127.0.0.1:1',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_METRICS_NAMESPACE: 'OrderPipeline',
  POWERTOOLS_TRACE_ENABLED: 'false',
  // Each table variable names the table after itself, e.g. ORDERS_TABLE_NAME=orders.
  ...Object.fromEntries(Object.entries(TABLE_ENV_VARS).map(([table, variable]) => [variable, table])),
  [SETTING_ENV_VARS.stateMachineArn]: 'arn:aws:states:eu-central-1:000000000000:stateMachine:bench',
  [SETTING_ENV_VARS.deadLetterTopic]: 'dead-letters.bench',
  [SETTING_ENV_VARS.emailTransport]: 'mailbox',
  MAILBOX_DIR: '/tmp',
  [SETTING_ENV_VARS.senderEmail]: 'bench@example.com',
  PATH: process.env.PATH ?? '',
};

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match) return match[1]!;
  const parts = input.split('/');
  return parts[0] === 'lambdas' ? `(project) ${parts.slice(0, 2).join('/')}` : `(project) ${parts[0]}`;
}

function largestDependencies(metafile: Metafile, outfile: string): { name: string; kib: number }[] {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(outfile))?.[1];
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    bytes.set(packageOf(input), (bytes.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([name, size]) => ({ name, kib: round2(size / 1024) }));
}

export async function runColdStart(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const root = repositoryRoot();
  const outDir = join(root, '.local', 'bench-bundles');
  rmSync(outDir, { recursive: true, force: true });
  const samples = ctx.quick ? 3 : 20;
  const entries = PIPELINE_FUNCTIONS.map((spec) => spec.entry);
  const bundles: BundleFigures[] = [];
  for (const entry of entries) {
    const name = entry.split('/').at(-1)!.replace(/\.ts$/, '');
    const dir = join(outDir, name);
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, 'index.mjs');
    const result = await build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      minify: true,
      sourcemap: 'external',
      sourcesContent: false,
      metafile: true,
      logLevel: 'silent',
    });
    const bytes = statSync(outfile).size;
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const t=performance.now();await import(${JSON.stringify(outfile)});console.log(performance.now()-t);process.exit(0)`,
        ],
        { env: INIT_ENV, cwd: dir },
      );
      // process.exit above: a handler that connects its producer at load (saga, inventory,
      // payment, fulfilment) would otherwise keep the process alive retrying the unreachable broker.
      times.push(Number(stdout.trim().split('\n').at(-1)));
    }
    const stats = percentiles(times);
    const figures: BundleFigures = {
      entry,
      bytes,
      kib: round2(bytes / 1024),
      initMs: { median: median(times), p95: stats.p95, min: round2(Math.min(...times)), samples },
      largestDependencies: largestDependencies(result.metafile, 'index.mjs'),
    };
    bundles.push(figures);
    ctx.log(`cold start: ${name}: ${figures.kib} KiB, init median ${figures.initMs.median} ms`);
  }
  rmSync(outDir, { recursive: true, force: true });
  return writeResult(
    'cold-start',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      bundling:
        'esbuild like PipelineFunction: ESM, minify, mainFields module/main, createRequire banner, AWS SDK bundled; target node24 (the machine and Lambda)',
      samplesPerBundle: samples,
      initMeasure:
        'performance.now() around `await import(bundle)` in a fresh `node --input-type=module` process',
      targets: { maxKiB: 500, maxInitMs: 150 },
    },
    { bundles },
  );
}
