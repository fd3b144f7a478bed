import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { STAGES, type StageName } from '../../lib/config/stages';
import { addPipelineStacks, type PipelineStacks } from '../../lib/pipeline-stacks';

export interface SynthesizedPipeline {
  readonly app: App;
  readonly stacks: PipelineStacks;
  readonly template: (stack: Stack) => Template;
}

const cache = new Map<StageName, SynthesizedPipeline>();

/** The context of cdk.json (feature flags), so tests build the app exactly as `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}

/**
 * Builds and synthesizes the whole app of one stage once per test file, without bundling the
 * functions. The built-in CloudFormation validation is off here (it is slow); the CLI synth test
 * (cli-synth.test.ts) runs `npx cdk synth` with every check on.
 */
export function synthPipeline(stage: StageName = 'dev'): SynthesizedPipeline {
  const cached = cache.get(stage);
  if (cached) {
    return cached;
  }
  const app = new App({
    builtinCloudFormationValidation: false,
    // No stack needs its Lambda bundles here (the CLI synth test bundles for real): saves ~20 s a stage.
    context: { ...cdkJsonContext(), stage, 'aws:cdk:bundling-stacks': [] },
  });
  const stacks = addPipelineStacks(app, STAGES[stage]);
  app.synth();
  const templates = new Map<Stack, Template>();
  const synthesized: SynthesizedPipeline = {
    app,
    stacks,
    template: (stack) => {
      let template = templates.get(stack);
      if (!template) {
        template = Template.fromStack(stack);
        templates.set(stack, template);
      }
      return template;
    },
  };
  cache.set(stage, synthesized);
  return synthesized;
}
