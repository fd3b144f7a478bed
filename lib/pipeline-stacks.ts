import { AspectPriority, Aspects, type Stage } from 'aws-cdk-lib';
import { AppStack } from './app-stack';
import { AwsRulesAspect } from './aws-rules-aspect';
import type { StageConfig } from './config/stages';
import { DataStack } from './data-stack';

/** The stack name of one part of the pipeline in one stage, e.g. `OrderPipeline-dev-Data`. */
export function stackName(config: StageConfig, part: 'Data' | 'App'): string {
  return `OrderPipeline-${config.stage}-${part}`;
}

export interface PipelineStacks {
  readonly data: DataStack;
  readonly app: AppStack;
}

/**
 * Adds every stack of one stage to the app. Environment-agnostic on purpose: no account or region,
 * so `cdk synth` needs no credentials; `cdk deploy` takes both from the CLI profile.
 */
export function addPipelineStacks(scope: Stage, config: StageConfig): PipelineStacks {
  const data = new DataStack(scope, stackName(config, 'Data'), {
    config,
    description: `Order pipeline (${config.stage}): network, MSK cluster and topics, tables, alarm topic`,
  });
  const app = new AppStack(scope, stackName(config, 'App'), {
    config,
    data,
    description: `Order pipeline (${config.stage}): functions, event source mappings, saga, checkout API, dashboard`,
  });
  Aspects.of(app).add(new AwsRulesAspect(), { priority: AspectPriority.READONLY });
  return { data, app };
}
