/**
 * Synthesizes the dev stage into cdk.out for the local mode, fast: no Lambda bundling (the local
 * runtime runs the TypeScript entries) and no built-in CloudFormation validation. `cdk synth`
 * refuses the `aws:cdk:bundling-stacks` context from the command line, so the app is built here as
 * test/infra/synth.ts builds it. Re-synthesizes only when cdk.out is older than lib/, lambdas/ or bin/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { STAGES, type StageName } from '../../lib/config/stages';
import { addPipelineStacks } from '../../lib/pipeline-stacks';

const SOURCE_DIRS = ['lib', 'lambdas', 'bin'];

/** Newest modification time (ms) of the .ts files below `dir`. */
function newestSource(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Oldest template of the stage in the cloud assembly, or undefined when one is missing. */
function oldestTemplate(cdkOutDir: string, stage: StageName): number | undefined {
  const files = ['Data', 'App'].map((part) =>
    join(cdkOutDir, `OrderPipeline-${stage}-${part}.template.json`),
  );
  if (!files.every((file) => existsSync(file))) return undefined;
  return Math.min(...files.map((file) => statSync(file).mtimeMs));
}

export function templatesAreStale(repoRoot: string, cdkOutDir: string, stage: StageName = 'dev'): boolean {
  const synthesizedAt = oldestTemplate(cdkOutDir, stage);
  if (synthesizedAt === undefined) return true;
  return SOURCE_DIRS.some((dir) => newestSource(join(repoRoot, dir)) > synthesizedAt);
}

/** Builds the stage's stacks into `cdkOutDir` without bundling. */
export function synthesizeForLocal(repoRoot: string, cdkOutDir: string, stage: StageName = 'dev'): void {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const app = new App({
    outdir: cdkOutDir,
    builtinCloudFormationValidation: false,
    context: { ...(cdkJson.context ?? {}), stage, 'aws:cdk:bundling-stacks': [] },
  });
  addPipelineStacks(app, STAGES[stage]);
  app.synth();
}

/** Synthesizes when the templates are missing or older than the sources; returns whether it did. */
export function ensureTemplates(repoRoot: string, cdkOutDir: string, stage: StageName = 'dev'): boolean {
  if (!templatesAreStale(repoRoot, cdkOutDir, stage)) return false;
  synthesizeForLocal(repoRoot, cdkOutDir, stage);
  return true;
}
