/**
 * Where an operator tool (`npm run dlq`, `npm run order`) works: the local mode of `npm start`, or a
 * deployed stage. Either way the tool reads the App stack's outputs (`OrdersTableName`,
 * `<Consumer>FunctionName`, ...) and makes the same SDK calls; only the endpoints differ, and they
 * come from the environment as the AWS SDK reads it (AWS_ENDPOINT_URL_<SERVICE>, AWS_REGION,
 * AWS_PROFILE). Locally, `npm start` writes both files the tool needs into `.local/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SETTING_ENV_VARS } from '../../lib/config/functions';
import { OPERATOR_OUTPUTS } from '../../lib/config/operator-outputs';
import { type StageName, stageConfig } from '../../lib/config/stages';
import { localDir, STACK_OUTPUTS_FILE, TOOL_ENVIRONMENT_FILE } from '../../local/infra/paths';

export interface OpsTarget {
  /** For messages: "the local mode" or "stage prod (eu-central-1)". */
  readonly description: string;
  /** The App stack's outputs. */
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * The environment the SDK clients and the Kafka connection are built from: the process's own on
   * AWS, with the local parts' endpoints on top locally.
   */
  readonly environment: NodeJS.ProcessEnv;
}

/** The tool cannot run as asked; the message says what to do. */
export class OpsError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpsError';
  }
}

/** One App stack output, or an OpsError naming it. */
export function outputOf(target: OpsTarget, key: string): string {
  const value = target.outputs[key];
  if (value === undefined || value === '') {
    throw new OpsError(
      `${target.description} has no stack output ${key}: deploy (or start) the current version first`,
    );
  }
  return value;
}

/** The App stack of a stage, as bin/app.ts names it. */
export function appStackName(stage: StageName): string {
  return `OrderPipeline-${stage}-App`;
}

/**
 * The local mode when no stage is given, else the deployed stage: its outputs from CloudFormation
 * (DescribeStacks) with the caller's credentials and region.
 */
export async function resolveTarget(
  stage: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OpsTarget> {
  if (stage === undefined) return localTarget(localDir(), env);
  const config = stageConfig(stage);
  const stackName = appStackName(config.stage);
  const client = new CloudFormationClient({});
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
    );
    const region = await client.config.region();
    return { description: `stage ${config.stage} (${region})`, outputs, environment: env };
  } catch (error) {
    throw new OpsError(
      `Could not read the outputs of ${stackName}: ${error instanceof Error ? error.message : String(error)} ` +
        '(is it deployed, and are AWS_PROFILE / AWS_REGION set for its account?)',
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}

/** The local mode's outputs and endpoints, from the files `npm start` writes into `dataDir`. */
export function localTarget(dataDir: string, env: NodeJS.ProcessEnv = process.env): OpsTarget {
  const outputsFile = join(dataDir, STACK_OUTPUTS_FILE);
  const environmentFile = join(dataDir, TOOL_ENVIRONMENT_FILE);
  if (!existsSync(outputsFile) || !existsSync(environmentFile)) {
    throw new OpsError(
      `The local mode has not been started here (no ${outputsFile}): run npm start, or pass --stage <dev|prod> for a deployed stage`,
    );
  }
  const stacks = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  const appOutputs = Object.entries(stacks).find(([name]) => name.endsWith('-App'))?.[1] ?? {};
  const local = JSON.parse(readFileSync(environmentFile, 'utf8')) as Record<string, string>;
  return localTargetOf(appOutputs, local, env);
}

/** A target on running local parts: their outputs and the variables that point at them. */
export function localTargetOf(
  outputs: Readonly<Record<string, string>>,
  localEnvironment: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): OpsTarget {
  // The local endpoints win over a developer's AWS settings: a local tool never reaches AWS.
  const environment = { ...env, ...localEnvironment };
  delete environment.AWS_PROFILE;
  return { description: 'the local mode', outputs, environment };
}

/** SDK client settings from the target's environment: region, credentials, the service's endpoint. */
export function clientConfigOf(
  target: OpsTarget,
  service: 'DYNAMODB' | 'SFN' | 'KAFKA',
): {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
} {
  const env = target.environment;
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  // Explicit keys only where the environment gives them (the local mode); otherwise the SDK's own
  // chain (profile, SSO, instance role) applies.
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && env.AWS_PROFILE === undefined
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
      : undefined;
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/**
 * The environment the Kafka connection is resolved from (`resolveKafkaConnection`): KAFKA_BROKERS
 * locally, the stage's cluster (its IAM brokers, signed with the caller's credentials) on AWS.
 * On AWS the brokers are inside the VPC: run the tool where it reaches them (a bastion, a VPN).
 */
export function kafkaEnvironmentOf(target: OpsTarget): NodeJS.ProcessEnv {
  if (target.environment.KAFKA_BROKERS) return target.environment;
  return {
    ...target.environment,
    [SETTING_ENV_VARS.mskClusterArn]: outputOf(target, OPERATOR_OUTPUTS.kafkaCluster),
  };
}
