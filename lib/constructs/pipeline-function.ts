/**
 * The one place that fixes how every Lambda of the pipeline is built and run: runtime, CPU
 * architecture, tracing, logging, bundling and the Powertools environment. Functions differ only in
 * their entry, their environment and what they are granted.
 */
import * as path from 'node:path';
import { type CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeCheckovFindings, LOG_GROUP_KMS_ACKNOWLEDGEMENT } from '../checkov';
import { type FunctionSpec, SETTING_ENV_VARS } from '../config/functions';
import type { StageConfig } from '../config/stages';

/** Repository root: entries and the lock file are resolved from here, whatever the working directory. */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/** CloudWatch metric namespace of every Powertools metric the pipeline emits. */
export const METRICS_NAMESPACE = 'OrderPipeline';

/**
 * Construct metadata type carrying the function's catalogue name, as its PIPELINE_FUNCTION variable
 * does, for tools that read the cloud assembly tree.
 */
export const PIPELINE_FUNCTION_METADATA = 'order-pipeline:function';

/**
 * Newest Node.js runtime that this aws-cdk-lib knows; cdk-nag AwsSolutions-L1 compares against the
 * same list, so the two cannot disagree.
 */
export const NODEJS_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Where a function sits in the network when it must reach the brokers itself. */
export interface PipelineFunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * @default - the VPC's isolated subnets, or its private subnets with egress when it has no isolated ones
   */
  readonly subnets?: ec2.SubnetSelection;
}

export interface PipelineFunctionProps {
  readonly config: StageConfig;
  /** The function's catalogue entry: its name (also the Powertools service name), entry and description. */
  readonly spec: FunctionSpec;
  /**
   * Variables on top of the Powertools and source-map defaults.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * @default 512 MiB (more memory also means more CPU for JSON and crypto work)
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Private subnets and security group, for functions that connect to the brokers.
   * @default - not in a VPC (the function talks only to regional AWS APIs)
   */
  readonly network?: PipelineFunctionNetwork;
}

const LOG_RETENTION_BY_DAYS = new Map<number, logs.RetentionDays>(
  Object.values(logs.RetentionDays)
    .filter((value): value is logs.RetentionDays => typeof value === 'number')
    .map((value) => [value as number, value]),
);

/** Maps the stage's retention in days to the CloudWatch enum; CloudWatch accepts only fixed values. */
export function logRetention(days: number): logs.RetentionDays {
  const retention = LOG_RETENTION_BY_DAYS.get(days);
  if (retention === undefined) {
    throw new Error(
      `logRetentionDays must be one of CloudWatch's values (${[...LOG_RETENTION_BY_DAYS.keys()].join(', ')}), got ${days}`,
    );
  }
  return retention;
}

/**
 * A Node.js Lambda with the pipeline's defaults: latest runtime, ARM64, X-Ray active, JSON logs to its
 * own log group with the stage's retention, an execution role without AWS managed policies, and an
 * esbuild bundle built locally (no Docker) with source maps.
 */
export class PipelineFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly pipelineName: string;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.pipelineName = props.spec.name;
    const logLevel = props.config.stage === 'prod' ? 'INFO' : 'DEBUG';

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logRetention(props.config.logRetentionDays),
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // An own role instead of the default one: the default attaches AWSLambdaBasicExecutionRole and
    // AWSLambdaVPCAccessExecutionRole, which grant logs on every log group.
    this.role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${this.pipelineName} function`,
      inlinePolicies: {
        Logging: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [this.logGroup.logGroupArn],
            }),
          ],
        }),
        ...(props.network
          ? {
              // What AWSLambdaVPCAccessExecutionRole grants, inline. Inline on the role so it exists
              // before Lambda validates the VPC attachment at CreateFunction.
              VpcAccess: new iam.PolicyDocument({
                statements: [
                  new iam.PolicyStatement({
                    actions: [
                      'ec2:CreateNetworkInterface',
                      'ec2:DescribeNetworkInterfaces',
                      'ec2:DescribeSubnets',
                      'ec2:DeleteNetworkInterface',
                      'ec2:AssignPrivateIpAddresses',
                      'ec2:UnassignPrivateIpAddresses',
                    ],
                    resources: ['*'],
                  }),
                ],
              }),
            }
          : {}),
      },
    });

    this.function = new nodejs.NodejsFunction(this, 'Resource', {
      description: props.spec.description,
      entry: path.join(REPOSITORY_ROOT, props.spec.entry),
      handler: 'handler',
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: path.join(REPOSITORY_ROOT, 'package-lock.json'),
      runtime: NODEJS_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      // Only an alias publishes versions here (the shared-group migration); a version the alias no
      // longer points at is deleted, so versions do not pile up against the code storage quota.
      currentVersionOptions: { removalPolicy: RemovalPolicy.DESTROY },
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2:
        logLevel === 'INFO' ? lambda.ApplicationLogLevel.INFO : lambda.ApplicationLogLevel.DEBUG,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      vpc: props.network?.vpc,
      vpcSubnets: props.network
        ? (props.network.subnets ?? { subnetType: privateSubnetType(props.network.vpc) })
        : undefined,
      securityGroups: props.network ? [props.network.securityGroup] : undefined,
      environment: {
        POWERTOOLS_SERVICE_NAME: this.pipelineName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        [SETTING_ENV_VARS.pipelineFunction]: this.pipelineName,
        ...props.environment,
      },
      bundling: {
        // ESM lets esbuild tree-shake the SDK and Powertools and supports jose (ESM only); the banner
        // gives CommonJS dependencies such as kafkajs the `require` they expect.
        format: nodejs.OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The bundle pins the SDK version the tests ran against instead of the runtime's copy, which
        // AWS updates on its own schedule.
        bundleAwsSDK: true,
        forceDockerBundling: false,
      },
    });
    this.function.node.addMetadata(PIPELINE_FUNCTION_METADATA, this.pipelineName);

    // Acknowledged on this construct, so it covers the role, the policy CDK adds for tracing next to
    // the function, and the grants other constructs add later.
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords and the EC2 network-interface actions Lambda needs for VPC ' +
        'attachment and MSK event source mappings do not support resource-level permissions.',
    });
    acknowledgeCheckovFindings(this, { resourceType: 'AWS::Lambda::Function' }, [
      {
        id: 'CKV_AWS_115',
        reason:
          'Concurrency is bounded where it starts: the API stage throttle for checkout, partitions and ' +
          'provisioned pollers for event source mappings; reserved concurrency would only take account capacity.',
      },
      {
        id: 'CKV_AWS_116',
        reason:
          'Never invoked asynchronously (API Gateway, Step Functions and MSK event source mappings invoke ' +
          'synchronously), so a function DLQ would stay empty; consumers have a Kafka dead-letter topic as on-failure destination instead.',
      },
      {
        id: 'CKV_AWS_173',
        reason:
          'The environment holds only table names, ARNs and settings (scripts/secrets-scan.ts enforces it), ' +
          'encrypted at rest by Lambda with its AWS managed key.',
      },
      ...(props.network
        ? []
        : [
            {
              id: 'CKV_AWS_117' as const,
              reason:
                'Talks only to regional AWS APIs (DynamoDB, Step Functions, SES) over TLS with IAM; the brokers ' +
                'reach it through its MSK event source mapping, which runs in the VPC itself.',
            },
          ]),
    ]);
    acknowledgeCheckovFindings(this, { resourceType: 'AWS::Logs::LogGroup' }, [
      LOG_GROUP_KMS_ACKNOWLEDGEMENT,
    ]);
    for (const resourceType of ['AWS::IAM::Role', 'AWS::IAM::Policy']) {
      acknowledgeCheckovFindings(this, { resourceType, where: grantsOnlyNetworkInterfacesOnAnyResource }, [
        {
          id: 'CKV_AWS_111',
          reason:
            'Its only grants on `*` (checked at synthesis) are X-Ray PutTraceSegments/PutTelemetryRecords and the ' +
            'EC2 network-interface actions Lambda needs for VPC attachment and MSK event source mappings, which ' +
            'support no resource-level permissions (as AwsSolutions-IAM5).',
        },
      ]);
    }
  }

  /** Sets an environment variable after construction (e.g. an ARN known only once other constructs exist). */
  addEnvironment(key: string, value: string): void {
    this.function.addEnvironment(key, value);
  }
}

/** Actions Lambda needs on `*` for VPC attachment and MSK event source mappings (no resource-level permissions). */
const NETWORK_INTERFACE_ACTION = /^ec2:(?:Create|Delete|Describe|Assign|Unassign)[A-Za-z]*$/;

/**
 * Whether every `Resource: *` grant of an IAM role or policy is a network-interface action, so the
 * CKV_AWS_111 acknowledgement never covers a wildcard write someone adds later.
 */
function grantsOnlyNetworkInterfacesOnAnyResource(resource: CfnResource): boolean {
  const stack = Stack.of(resource);
  const documents =
    resource instanceof iam.CfnPolicy
      ? [stack.resolve(resource.policyDocument)]
      : resource instanceof iam.CfnRole
        ? // Inline policies resolve with the L1 property names (camelCase).
          ((stack.resolve(resource.policies) ?? []) as { policyDocument?: unknown }[]).map(
            (p) => p.policyDocument,
          )
        : [];
  const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
  const wildcardGrants = documents
    .flatMap((document) => asList((document as { Statement?: unknown } | undefined)?.Statement ?? []))
    .map((statement) => statement as { Effect?: string; Action?: unknown; Resource?: unknown })
    .filter((statement) => statement.Effect === 'Allow' && asList(statement.Resource).includes('*'));
  return (
    wildcardGrants.length > 0 &&
    wildcardGrants
      .flatMap((statement) => asList(statement.Action))
      .every(
        (action) =>
          typeof action === 'string' &&
          (NETWORK_INTERFACE_ACTION.test(action) || /^xray:Put[A-Za-z]+$/.test(action)),
      )
  );
}

/** In-VPC functions use the VPC's private subnets: isolated when the VPC has no NAT, with egress otherwise. */
function privateSubnetType(vpc: ec2.IVpc): ec2.SubnetType {
  return vpc.isolatedSubnets.length > 0
    ? ec2.SubnetType.PRIVATE_ISOLATED
    : ec2.SubnetType.PRIVATE_WITH_EGRESS;
}
