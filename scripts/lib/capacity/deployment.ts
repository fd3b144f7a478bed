/**
 * What the capacity and cost model needs to know about one stage as it would be deployed, read from
 * its synthesized templates: the functions with their memory, the event source mappings with their
 * topics and pollers, the topics with partitions, replication and retention, the brokers and their
 * storage, the API stage throttle, and the fixed-cost resources (interface endpoints, NAT gateways,
 * KMS keys, alarms, dashboards, WAF). The templates, not lib/config, are the source: they are what
 * CloudFormation receives, so a construct that overrides a setting is seen as deployed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { STAGES, type StageName } from '../../../lib/config/stages';
import { addPipelineStacks } from '../../../lib/pipeline-stacks';
import { type CfnTemplate, isRecord, resourcesOfType } from '../../../local/runtime/cfn-template';

export interface DeployedFunction {
  readonly logicalId: string;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
}

export interface DeployedMapping {
  readonly logicalId: string;
  readonly topic: string;
  /** Logical id of the function it invokes. */
  readonly functionLogicalId: string;
  /** Records per invocation at most. */
  readonly batchSize: number;
  readonly minimumPollers: number;
  readonly maximumPollers: number;
}

export interface DeployedTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly retentionHours: number;
}

export interface Deployment {
  readonly stage: StageName;
  readonly functions: readonly DeployedFunction[];
  readonly mappings: readonly DeployedMapping[];
  readonly topics: readonly DeployedTopic[];
  readonly brokers: { readonly count: number; readonly instanceType: string; readonly volumeGiB: number };
  readonly api: { readonly rateLimit: number; readonly burstLimit: number };
  readonly stateMachineType: string;
  readonly fixed: {
    /** Interface endpoints times the subnets (zones) each one sits in: what is billed per hour. */
    readonly interfaceEndpointZones: number;
    readonly natGateways: number;
    readonly kmsKeys: number;
    readonly alarms: number;
    readonly dashboards: number;
    readonly webAcls: number;
  };
}

export class DeploymentReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeploymentReadError';
  }
}

/** cdk.json's context (feature flags), so the templates come out exactly as `cdk synth` writes them. */
function cdkJsonContext(repoRoot: string): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context?: object };
  return { ...(cdkJson.context ?? {}) };
}

/**
 * Synthesizes one stage in this process, into a temporary folder, without bundling the functions
 * (the templates are the same apart from asset hashes), and reads its templates.
 */
export function synthesizeStage(stage: StageName, repoRoot: string): CfnTemplate[] {
  const outdir = mkdtempSync(join(tmpdir(), `capacity-${stage}-`));
  try {
    const app = new App({
      outdir,
      context: { ...cdkJsonContext(repoRoot), stage, 'aws:cdk:bundling-stacks': [] },
    });
    addPipelineStacks(app, STAGES[stage]);
    return app.synth().stacks.map((stack) => stack.template as CfnTemplate);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function props(resource: { Properties?: Record<string, unknown> }): Record<string, unknown> {
  return resource.Properties ?? {};
}

function refOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.Ref === 'string' ? value.Ref : undefined;
}

function numberProp(owner: string, value: unknown, what: string): number {
  if (typeof value !== 'number') {
    throw new DeploymentReadError(
      `${owner}: ${what} is not a number in the template (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

function topicRetentionHours(logicalId: string, configs: unknown): number {
  // AWS::MSK::Topic carries its topic configs as base64-encoded JSON.
  if (typeof configs !== 'string') {
    throw new DeploymentReadError(`${logicalId}: the topic has no Configs`);
  }
  const parsed = JSON.parse(Buffer.from(configs, 'base64').toString('utf8')) as Record<string, string>;
  const ms = Number(parsed['retention.ms']);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new DeploymentReadError(`${logicalId}: retention.ms is ${parsed['retention.ms']}`);
  }
  return ms / 3_600_000;
}

/** Reads the deployment facts from a stage's templates (all of its stacks). */
export function readDeployment(stage: StageName, templates: readonly CfnTemplate[]): Deployment {
  const all = <T>(type: string, read: (logicalId: string, p: Record<string, unknown>) => T): T[] =>
    templates.flatMap((template) =>
      resourcesOfType(template, type).map(([logicalId, resource]) => read(logicalId, props(resource))),
    );

  const functions = all('AWS::Lambda::Function', (logicalId, p) => ({
    logicalId,
    memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : 128,
    architecture: (Array.isArray(p.Architectures) && p.Architectures[0] === 'arm64' ? 'arm64' : 'x86_64') as
      | 'arm64'
      | 'x86_64',
  }));
  const mappings = all('AWS::Lambda::EventSourceMapping', (logicalId, p) => {
    const topics = Array.isArray(p.Topics) ? p.Topics : [];
    const pollers = isRecord(p.ProvisionedPollerConfig) ? p.ProvisionedPollerConfig : {};
    const functionLogicalId = refOf(p.FunctionName);
    if (topics.length !== 1 || typeof topics[0] !== 'string' || !functionLogicalId) {
      throw new DeploymentReadError(`${logicalId}: expected one topic and a function reference`);
    }
    return {
      logicalId,
      topic: topics[0],
      functionLogicalId,
      batchSize: numberProp(logicalId, p.BatchSize, 'BatchSize'),
      // Without a provisioned poller config a mapping runs in on-demand mode: one poller to start.
      minimumPollers: typeof pollers.MinimumPollers === 'number' ? pollers.MinimumPollers : 1,
      maximumPollers: typeof pollers.MaximumPollers === 'number' ? pollers.MaximumPollers : 1,
    };
  });
  const topics = all('AWS::MSK::Topic', (logicalId, p) => ({
    name: String(p.TopicName),
    partitions: numberProp(logicalId, p.PartitionCount, 'PartitionCount'),
    replicationFactor: numberProp(logicalId, p.ReplicationFactor, 'ReplicationFactor'),
    retentionHours: topicRetentionHours(logicalId, p.Configs),
  }));
  const clusters = all('AWS::MSK::Cluster', (logicalId, p) => {
    const group = isRecord(p.BrokerNodeGroupInfo) ? p.BrokerNodeGroupInfo : {};
    const storage =
      isRecord(group.StorageInfo) && isRecord(group.StorageInfo.EBSStorageInfo)
        ? group.StorageInfo.EBSStorageInfo
        : {};
    return {
      count: numberProp(logicalId, p.NumberOfBrokerNodes, 'NumberOfBrokerNodes'),
      instanceType: String(group.InstanceType),
      volumeGiB: numberProp(logicalId, storage.VolumeSize, 'VolumeSize'),
    };
  });
  const stages = all('AWS::ApiGateway::Stage', (logicalId, p) => {
    const settings = (Array.isArray(p.MethodSettings) ? p.MethodSettings : []).find(
      (s) => isRecord(s) && s.HttpMethod === '*' && s.ResourcePath === '/*',
    ) as Record<string, unknown> | undefined;
    return {
      rateLimit: numberProp(logicalId, settings?.ThrottlingRateLimit, 'ThrottlingRateLimit'),
      burstLimit: numberProp(logicalId, settings?.ThrottlingBurstLimit, 'ThrottlingBurstLimit'),
    };
  });
  const machines = all('AWS::StepFunctions::StateMachine', (_id, p) =>
    String(p.StateMachineType ?? 'STANDARD'),
  );
  if (clusters.length !== 1 || stages.length !== 1 || machines.length !== 1) {
    throw new DeploymentReadError(
      `Expected one MSK cluster, one API stage and one state machine; found ${clusters.length}, ${stages.length}, ${machines.length}`,
    );
  }
  const interfaceEndpointZones = all('AWS::EC2::VPCEndpoint', (_id, p) =>
    p.VpcEndpointType === 'Interface' && Array.isArray(p.SubnetIds) ? p.SubnetIds.length : 0,
  ).reduce((a, b) => a + b, 0);
  const count = (type: string) => all(type, () => 1).length;
  return {
    stage,
    functions,
    mappings,
    topics,
    brokers: clusters[0]!,
    api: stages[0]!,
    stateMachineType: machines[0]!,
    fixed: {
      interfaceEndpointZones,
      natGateways: count('AWS::EC2::NatGateway'),
      kmsKeys: count('AWS::KMS::Key'),
      alarms: count('AWS::CloudWatch::Alarm'),
      dashboards: count('AWS::CloudWatch::Dashboard'),
      webAcls: count('AWS::WAFv2::WebACL'),
    },
  };
}
