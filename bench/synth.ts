/**
 * Benchmark 6, synthesis: wall time of `cdk synth --quiet` (bundling included) into a folder of its
 * own, so the cdk.out the local mode and the tests read is never replaced under them.
 */
import { execFile } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot } from '../local/infra/paths';
import type { BenchContext } from './lib/context';
import { machineInfo, median, round2, writeResult } from './lib/results';

const run = promisify(execFile);

export async function runSynth(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const root = repositoryRoot();
  const outDir = join(root, '.local', 'bench-synth');
  const count = ctx.quick ? 1 : 5;
  const seconds: number[] = [];
  let assets = 0;
  for (let i = 0; i < count; i++) {
    // The whole `npm run bench` must end in its budget: no further run when the last one would not fit.
    const last = (seconds.at(-1) ?? 0) * 1000;
    if (i > 0 && Date.now() + last > ctx.deadline) {
      ctx.log(`synth: stopping after ${i} runs to stay within the run's time budget`);
      break;
    }
    rmSync(outDir, { recursive: true, force: true });
    const t0 = performance.now();
    await run('npx', ['cdk', 'synth', '--quiet', '--output', outDir], {
      cwd: root,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    seconds.push(round2((performance.now() - t0) / 1000));
    // Bundled function code shows up as asset folders: proof the timing includes esbuild.
    assets = readdirSync(outDir).filter((entry) => entry.startsWith('asset.')).length;
    ctx.log(`synth: run ${i + 1}/${count}: ${seconds.at(-1)} s`);
  }
  rmSync(outDir, { recursive: true, force: true });
  return writeResult(
    'synth',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      command: 'CDK_DISABLE_VERSION_CHECK=1 npx cdk synth --quiet --output .local/bench-synth',
      runsPlanned: count,
      runsDone: seconds.length,
      target: '< 15 s',
    },
    { seconds, medianSeconds: median(seconds), assetFolders: assets },
  );
}
