import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { AppStack } from '../../lib/app-stack';
import { CONSUMERS, type ConsumerSpec } from '../../lib/config/consumers';
import { INVOKED_FUNCTIONS, PIPELINE_FUNCTIONS, SETTING_ENV_VARS } from '../../lib/config/functions';
import { OPERATOR_OUTPUTS } from '../../lib/config/operator-outputs';
import {
  CALLBACK_STEP_TIMING,
  COMPENSATION_TIMEOUT_RETRIES,
  longestExecutionSeconds,
  PLAIN_STEP_TIMEOUT_SECONDS,
} from '../../lib/config/saga-timing';
import { STAGES } from '../../lib/config/stages';
import {
  GATEWAY_ERROR_TEMPLATE,
  MANAGED_RULE_GROUPS,
  placeOrderRequestJsonSchema,
} from '../../lib/constructs/checkout-api';
import { KafkaConsumer } from '../../lib/constructs/kafka-consumer';
import {
  MUST_HAPPEN_STEPS,
  PUBLISH_ERRORS,
  TIMEOUT_ERRORS,
  TRANSIENT_ERRORS,
} from '../../lib/constructs/order-saga';
import { logRetention, NODEJS_RUNTIME, REPOSITORY_ROOT } from '../../lib/constructs/pipeline-function';
import { DataStack } from '../../lib/data-stack';
import { formatNagFindings, unacknowledgedNagFindings } from '../../lib/nag';
import type { CfnTemplate } from '../../local/runtime/cfn-template';
import { LOCAL_ACCOUNT, LocalResolver } from '../../local/runtime/local-resources';
import { stateMachinesFromTemplate } from '../../local/stepfunctions';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON; the assertions check its shape
type CfnJson = any;
type Resource = { Type: string; Properties: Record<string, CfnJson>; DependsOn?: string[] };

const config = STAGES.dev;

/** A state of the saga as Amazon States Language (JSONPath); only what the assertions read is typed. */
interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly [field: string]: unknown;
}

interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly [field: string]: unknown;
}

/**
 * Builds the data and app stacks of the dev stage once for this file. Bundling is skipped
 * (`aws:cdk:bundling-stacks` = []) so the test does not run esbuild for every function; the
 * entries must still exist. CloudFormation validation is left to the synth test.
 */
function synthApp(): { app: App; appStack: AppStack; template: Template } {
  // The feature flags of cdk.json change what CDK synthesizes (e.g. where tracing policies go).
  const cdkJson = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { ...cdkJson.context, stage: config.stage, 'aws:cdk:bundling-stacks': [] },
  });
  const data = new DataStack(app, 'OrderPipeline-test-Data', { config });
  const appStack = new AppStack(app, 'OrderPipeline-test-App', { config, data });
  return { app, appStack, template: Template.fromStack(appStack) };
}

const { app, appStack, template } = synthApp();

/**
 * Renders an IAM resource for comparison: pseudo parameters as LOCAL_ACCOUNT, cross-stack imports as
 * `<import>`, the cluster UUID (Fn::Select over the cluster ARN) as `<uuid>`, other resources'
 * attributes as `<logicalId.Attribute>` and their Ref as the logical id.
 */
const arnRenderer = new LocalResolver(template.toJSON() as CfnTemplate, {
  intrinsic: (token) => {
    if ('Fn::ImportValue' in token) return '<import>';
    if ('Fn::Select' in token) return '<uuid>';
    if ('Fn::GetAtt' in token) return `<${(token['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof token.Ref === 'string' && !token.Ref.startsWith('AWS::')) return token.Ref;
    return undefined;
  },
});
const renderArn = (value: unknown): string => arnRenderer.resolve(value, 'IAM resource');
const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
const policies = template.findResources('AWS::IAM::Policy') as Record<string, Resource>;
const roles = template.findResources('AWS::IAM::Role') as Record<string, Resource>;
const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];

/** Logical id of the function whose PIPELINE_FUNCTION variable is `name`. */
function functionId(name: string): string {
  const ids = Object.keys(functions).filter(
    (id) => functions[id]!.Properties.Environment?.Variables?.[SETTING_ENV_VARS.pipelineFunction] === name,
  );
  expect(ids, `functions named ${name}`).toHaveLength(1);
  return ids[0]!;
}

/** Every statement of every policy (inline and managed by CDK) attached to the function's role. */
function statementsOf(fnId: string): Record<string, CfnJson>[] {
  const roleId = functions[fnId]!.Properties.Role['Fn::GetAtt'][0] as string;
  const inline = (roles[roleId]!.Properties.Policies ?? []).flatMap(
    (policy: { PolicyDocument: { Statement: unknown[] } }) => policy.PolicyDocument.Statement,
  );
  const attached = Object.values(policies)
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  return [...inline, ...attached];
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Resources (rendered) of the statements that allow `action`. */
function resourcesFor(fnId: string, action: string): string[] {
  return statementsOf(fnId)
    .filter((statement) => asArray(statement.Action).includes(action))
    .flatMap((statement) => asArray(statement.Resource).map(renderArn));
}

const topicArn = (topic: string) =>
  `arn:aws:kafka:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:topic/${config.namePrefix}-events/<uuid>/${topic}`;
const groupArn = (group: string) =>
  `arn:aws:kafka:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:group/${config.namePrefix}-events/<uuid>/${group}`;

describe('AppStack: Lambda functions', () => {
  it('builds every pipeline function, each named by PIPELINE_FUNCTION for the local mode', () => {
    // Prepare
    const expected = PIPELINE_FUNCTIONS.map((spec) => spec.name).sort();

    // Act
    const names = Object.values(functions)
      .map((fn) => fn.Properties.Environment.Variables[SETTING_ENV_VARS.pipelineFunction])
      .sort();

    // Assess
    expect(names).toEqual(expected);
  });

  it('uses the newest Node.js runtime cdk-nag knows, ARM64, active tracing and JSON logs to its own group', () => {
    // Prepare
    const newest = lambda.Runtime.ALL.filter((runtime) => /^nodejs\d/.test(runtime.name))
      .map((runtime) => runtime.name)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
      .at(-1);
    const logGroups = template.findResources('AWS::Logs::LogGroup');

    // Assess
    expect(NODEJS_RUNTIME.name).toBe(newest);
    for (const fn of Object.values(functions)) {
      const props = fn.Properties;
      expect(props.Runtime).toBe(NODEJS_RUNTIME.name);
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      expect(props.LoggingConfig.LogFormat).toBe('JSON');
      const logGroup = logGroups[props.LoggingConfig.LogGroup.Ref];
      expect(logGroup?.Properties.RetentionInDays).toBe(config.logRetentionDays);
    }
  });

  it('sets the Powertools environment and source maps on every function', () => {
    for (const fn of Object.values(functions)) {
      // Prepare
      const variables = fn.Properties.Environment.Variables;

      // Assess
      expect(variables.POWERTOOLS_SERVICE_NAME).toBe(variables[SETTING_ENV_VARS.pipelineFunction]);
      expect(variables.POWERTOOLS_METRICS_NAMESPACE).toBe('OrderPipeline');
      expect(variables.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
      expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('attaches no AWS managed policy to any execution role', () => {
    // Prepare: the API Gateway account CloudWatch role is no execution role (checkout API tests).
    const executionRoles = Object.values(roles).filter((role) =>
      JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
    );

    // Assess
    expect(executionRoles.length).toBe(Object.keys(functions).length);
    for (const role of executionRoles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('puts exactly the functions that reach the brokers themselves in the VPC', () => {
    // Prepare: the publishers, checkout, which reads the saga services' lag (admission control), and
    // every consumer, which writes its poison records to its dead-letter topic
    const publishers = [
      INVOKED_FUNCTIONS.sagaPublisher.name,
      INVOKED_FUNCTIONS.checkout.name,
      ...CONSUMERS.map((spec) => spec.name),
    ].sort();

    // Act
    const inVpc = Object.values(functions)
      .filter((fn) => fn.Properties.VpcConfig !== undefined)
      .map((fn) => fn.Properties.Environment.Variables[SETTING_ENV_VARS.pipelineFunction])
      .sort();

    // Assess
    expect(inVpc).toEqual(publishers);
    for (const name of publishers) {
      const fn = functions[functionId(name)]!;
      expect(fn.Properties.VpcConfig.SubnetIds).toHaveLength(3);
      expect(fn.Properties.Environment.Variables.MSK_CLUSTER_ARN).toEqual({
        'Fn::ImportValue': expect.any(String),
      });
    }
  });

  it('refuses a log retention CloudWatch does not offer, naming the value', () => {
    // Act / Assess
    expect(() => logRetention(15)).toThrow(/got 15/);
    expect(logRetention(14)).toBe(14);
  });
});

describe('AppStack: MSK event source mappings', () => {
  const mappingsOf = (spec: ConsumerSpec) =>
    mappings.filter((mapping) =>
      spec.mappings.some(
        (own) =>
          mapping.Properties.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId === own.consumerGroupId,
      ),
    );

  it.each(CONSUMERS.map((spec) => [spec.name, spec] as const))(
    '%s: one mapping per topic with its group id, batching, bisect, retries, record age and partial batches',
    (_name, spec) => {
      // Prepare
      const fnId = functionId(spec.name);

      // Act
      const own = mappingsOf(spec);

      // Assess
      expect(
        own.map((mapping) => [
          mapping.Properties.Topics,
          mapping.Properties.AmazonManagedKafkaEventSourceConfig.ConsumerGroupId,
        ]),
      ).toEqual(spec.mappings.map((mapping) => [[mapping.topic], mapping.consumerGroupId]));
      for (const mapping of own) {
        expect(mapping.Properties).toMatchObject({
          FunctionName: { Ref: fnId },
          EventSourceArn: { 'Fn::ImportValue': expect.any(String) },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: spec.batchSize,
          MaximumBatchingWindowInSeconds: spec.maxBatchingWindowSeconds,
          BisectBatchOnFunctionError: true,
          MaximumRetryAttempts: spec.maxRetryAttempts,
          MaximumRecordAgeInSeconds: spec.maxRecordAgeSeconds,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ProvisionedPollerConfig: { MinimumPollers: config.pollers.min, MaximumPollers: config.pollers.max },
          MetricsConfig: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
        });
      }
    },
  );

  it.each(CONSUMERS.map((spec) => [spec.name, spec] as const))(
    '%s: exhausted records go to its own dead-letter topic, which the handler also writes poison records to',
    (_name, spec) => {
      // Prepare
      const fnId = functionId(spec.name);
      const fn = functions[fnId]!;

      // Assess
      for (const mapping of mappingsOf(spec)) {
        expect(mapping.Properties.DestinationConfig).toEqual({
          OnFailure: { Destination: `kafka://${spec.deadLetterTopic}` },
        });
        expect(mapping.Properties.ProvisionedPollerConfig).toBeDefined();
      }
      expect(spec.topics).not.toContain(spec.deadLetterTopic);
      expect(fn.Properties.Environment.Variables.DEAD_LETTER_TOPIC).toBe(spec.deadLetterTopic);
      expect(fn.Properties.Environment.Variables.ON_FAILURE_QUEUE_URL).toBeUndefined();
      expect(fn.Properties.VpcConfig).toBeDefined();
      expect(resourcesFor(fnId, 'kafka-cluster:WriteData')).toContain(topicArn(spec.deadLetterTopic));
      expect(resourcesFor(fnId, 'kafka-cluster:DescribeTopic')).toContain(topicArn(spec.deadLetterTopic));
      expect(resourcesFor(fnId, 'kafka-cluster:WriteDataIdempotently')).toEqual(['<import>']);
    },
  );

  it('keeps no failure queue: nothing is sent to SQS any more', () => {
    // Assess
    template.resourceCountIs('AWS::SQS::Queue', 0);
    for (const fnId of Object.keys(functions)) {
      expect(resourcesFor(fnId, 'sqs:SendMessage')).toEqual([]);
    }
  });

  it('creates each mapping after the role policies it is validated against', () => {
    for (const mapping of mappings) {
      // Prepare
      const fnId = mapping.Properties.FunctionName.Ref as string;
      const roleId = functions[fnId]!.Properties.Role['Fn::GetAtt'][0] as string;

      // Assess
      expect(mapping.DependsOn).toEqual(expect.arrayContaining([roleId]));
      expect(
        mapping.DependsOn?.some(
          (id) => id.startsWith(roleId.replace(/[0-9A-F]{8}$/, '')) && id.includes('DefaultPolicy'),
        ),
      ).toBe(true);
    }
  });

  it('refuses a consumer group id with a colon, naming it', () => {
    // Prepare
    const stack = new Stack(new App(), 'Invalid');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const spec: ConsumerSpec = {
      ...CONSUMERS[0]!,
      mappings: [{ topic: CONSUMERS[0]!.topics[0]!, consumerGroupId: 'bad:group' }],
    };

    // Act / Assess
    expect(
      () =>
        new KafkaConsumer(stack, 'Consumer', {
          config,
          spec,
          cluster: {
            clusterArn: 'arn:aws:kafka:eu-central-1:111111111111:cluster/c/uuid-1',
            clusterName: 'c',
          },
          network: { vpc, securityGroup: new ec2.SecurityGroup(stack, 'Clients', { vpc }) },
        }),
    ).toThrow(/'bad:group'/);
  });
});

describe('AppStack: Kafka IAM scoped to exact topics and groups', () => {
  it.each(CONSUMERS.map((spec) => [spec.name, spec] as const))(
    '%s reads exactly its topics and commits exactly the groups of its mappings',
    (_name, spec) => {
      // Prepare
      const fnId = functionId(spec.name);

      // Assess
      expect(resourcesFor(fnId, 'kafka-cluster:ReadData').sort()).toEqual(spec.topics.map(topicArn).sort());
      const groups = spec.mappings.map((mapping) => groupArn(mapping.consumerGroupId)).sort();
      expect(resourcesFor(fnId, 'kafka-cluster:AlterGroup').sort()).toEqual(groups);
      expect(resourcesFor(fnId, 'kafka-cluster:DescribeGroup').sort()).toEqual(groups);
      expect([...new Set(resourcesFor(fnId, 'kafka-cluster:Connect'))]).toEqual(['<import>']);
    },
  );

  it('lets only the publishers and consumers write, each to exactly its topics (a consumer also to its dead-letter topic), idempotently on the cluster', () => {
    // Prepare
    const expected: Record<string, readonly string[]> = {
      [INVOKED_FUNCTIONS.sagaPublisher.name]: INVOKED_FUNCTIONS.sagaPublisher.publishesTo,
    };
    for (const spec of CONSUMERS) {
      expected[spec.name] = [...(spec.publishesTo ?? []), spec.deadLetterTopic];
    }

    for (const fnId of Object.keys(functions)) {
      // Act
      const name = functions[fnId]!.Properties.Environment.Variables[
        SETTING_ENV_VARS.pipelineFunction
      ] as string;
      const written = resourcesFor(fnId, 'kafka-cluster:WriteData').sort();

      // Assess
      expect(written, name).toEqual((expected[name] ?? []).map(topicArn).sort());
      if (expected[name]) {
        expect(resourcesFor(fnId, 'kafka-cluster:WriteDataIdempotently')).toEqual(['<import>']);
      }
    }
  });

  it('never grants a kafka-cluster or kafka action on a wildcard resource', () => {
    // Prepare
    const kafkaStatements = Object.keys(functions).flatMap((fnId) =>
      statementsOf(fnId).filter((statement) =>
        asArray(statement.Action).some((action: string) => /^kafka(-cluster)?:/.test(action)),
      ),
    );

    // Assess
    expect(kafkaStatements.length).toBeGreaterThan(0);
    for (const statement of kafkaStatements) {
      expect(asArray(statement.Action).some((action: string) => action.endsWith('*'))).toBe(false);
      for (const resource of asArray(statement.Resource).map(renderArn)) {
        expect(resource).not.toContain('*');
      }
    }
  });

  it('names every IAM action exactly: no wildcard actions in any policy of the stack', () => {
    // Prepare
    const statements = [
      ...Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement),
      ...Object.values(roles).flatMap((role) =>
        (role.Properties.Policies ?? []).flatMap(
          (policy: { PolicyDocument: { Statement: unknown[] } }) => policy.PolicyDocument.Statement,
        ),
      ),
    ];

    // Act
    const wildcards = statements.flatMap((statement) =>
      asArray(statement.Action as string | string[]).filter((action) => action.includes('*')),
    );

    // Assess
    expect(statements.length).toBeGreaterThan(0);
    expect(wildcards).toEqual([]);
  });

  it('grants tables per function, reading or writing only what its adapters use', () => {
    // Prepare
    const writes = (name: string) => resourcesFor(functionId(name), 'dynamodb:PutItem');
    const reads = (name: string) => resourcesFor(functionId(name), 'dynamodb:GetItem');

    // Assess
    expect(writes(INVOKED_FUNCTIONS.getOrder.name)).toEqual([]);
    expect(reads(INVOKED_FUNCTIONS.getOrder.name)).toEqual(['<import>']);
    expect(writes('analytics')).toHaveLength(1); // its own table: the markers make it exactly-once
    expect(writes(INVOKED_FUNCTIONS.sagaPublisher.name)).toEqual([]);
    for (const fnId of Object.keys(functions)) {
      expect(resourcesFor(fnId, 'dynamodb:Scan')).toEqual([]);
    }
  });
});

describe('AppStack: idempotency table', () => {
  it.each(CONSUMERS.map((spec) => [spec.name, spec] as const))(
    '%s gets the idempotency table exactly when it has an idempotency key prefix',
    (_name, spec) => {
      // Prepare
      const variables = functions[functionId(spec.name)]!.Properties.Environment.Variables;

      // Assess
      const layered = spec.idempotencyKeyPrefix !== undefined;
      expect(variables.IDEMPOTENCY_TABLE_NAME !== undefined).toBe(layered);
      expect(variables.IDEMPOTENCY_TTL_SECONDS !== undefined).toBe(layered);
      expect(spec.tables.idempotency !== undefined).toBe(layered);
    },
  );
});

describe('AppStack: saga state machine', () => {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines) as Resource[];
  const publisherId = functionId(INVOKED_FUNCTIONS.sagaPublisher.name);
  const resolver = new LocalResolver(template.toJSON() as CfnTemplate);
  const [saga] = stateMachinesFromTemplate(resolver);
  const asl = saga!.definition as unknown as AslDefinition;
  const state = (name: string): AslState => {
    const found = asl.States[name];
    expect(found, `state ${name}`).toBeDefined();
    return found!;
  };
  /** The state names from `start` along `Next` to the terminal state. */
  const pathFrom = (start: string): string[] => {
    const path = [start];
    let next = state(start).Next;
    while (next !== undefined && path.length < 20) {
      path.push(next);
      next = state(next).Next;
    }
    return path;
  };
  type RetrierJson = {
    ErrorEquals: string[];
    IntervalSeconds: number;
    BackoffRate: number;
    MaxAttempts: number;
    MaxDelaySeconds: number;
  };
  /** The largest wait before each attempt, summed (full jitter draws between zero and it). */
  const retryHorizonSeconds = (retry: RetrierJson): number =>
    Array.from({ length: retry.MaxAttempts }, (_, attempt) =>
      Math.min(retry.IntervalSeconds * retry.BackoffRate ** attempt, retry.MaxDelaySeconds),
    ).reduce((sum, wait) => sum + wait, 0);
  const catchOf = (name: string, error: string) =>
    (state(name).Catch as { ErrorEquals: string[]; Next: string; ResultPath: string }[]).find((c) =>
      c.ErrorEquals.includes(error),
    );

  it('is a Standard machine with logging level ALL including data, and X-Ray tracing', () => {
    // Assess
    expect(Object.keys(machines)).toHaveLength(1);
    expect(machine!.Properties.StateMachineType).toBe('STANDARD');
    expect(machine!.Properties.StateMachineName).toBe(`${config.namePrefix}-order-saga`);
    expect(machine!.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: true,
    });
    expect(machine!.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('uses JSONPath only: no JSONata, no Assign, no Arguments/Output', () => {
    // Prepare
    const text = JSON.stringify(asl);

    // Assess
    expect(asl.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const field of ['"Assign"', '"Arguments"', '"Output"', 'JSONata', '{%']) {
      expect(text).not.toContain(field);
    }
  });

  it('runs the forward path ReserveInventory -> ProcessPayment -> ConfirmOrder, which ends the execution', () => {
    // Assess
    expect(asl.StartAt).toBe('ReserveInventory');
    expect(pathFrom('ReserveInventory')).toEqual(['ReserveInventory', 'ProcessPayment', 'ConfirmOrder']);
    // Three state transitions per happy order: ReserveInventory publishes OrderPlaced too, and
    // ConfirmOrder ends the execution.
    expect(state('ConfirmOrder').End).toBe(true);
    expect(Object.values(asl.States).some((candidate) => candidate.Type === 'Succeed')).toBe(false);
  });

  it.each([
    ['ReserveInventory', 'reserveInventory', 5],
    ['ProcessPayment', 'processPayment', 10],
    ['RefundCharge', 'refundCharge', 10],
    ['ReleaseStock', 'releaseStock', 5],
  ] as const)(
    '%s waits for the task token for the pick-up budget plus its %s processing limit (%i s), with no heartbeat window',
    (name, step, processingLimit) => {
      // Prepare
      const task = state(name);

      // Assess
      expect(CALLBACK_STEP_TIMING[step].processingLimitSeconds).toBe(processingLimit);
      expect(task.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
      expect(task.TimeoutSeconds).toBe(config.saga.pickUpBudgetSeconds + processingLimit);
      // Nobody can send a heartbeat before the command is picked up, so a window shorter than the
      // budget would fail orders still queued behind a rebalance.
      expect(task.HeartbeatSeconds).toBeUndefined();
      expect(task.Parameters).toEqual({
        FunctionName: resolver.functionArn(publisherId),
        Payload: { step, 'order.$': '$', 'taskToken.$': '$$.Task.Token' },
      });
      // The answer lands beside the order, so later steps still see the order's fields.
      expect(task.ResultPath).toMatch(/^\$\.results\.[a-z]+$/);
    },
  );

  it('gives every stage a pick-up budget of minutes, above a broker failover and a rebalance', () => {
    for (const stage of Object.values(STAGES)) {
      // Assess
      expect(stage.saga.pickUpBudgetSeconds, stage.stage).toBeGreaterThanOrEqual(120);
      expect(stage.saga.pickUpBudgetSeconds, stage.stage).toBeLessThanOrEqual(15 * 60);
    }
  });

  it('invokes the publisher plainly for ConfirmOrder, FailOrder and FlagNeedsAttention, passing the failure', () => {
    // Assess
    expect(state('ConfirmOrder').Parameters).toMatchObject({
      Payload: { step: 'confirmOrder', 'order.$': '$' },
    });
    expect(state('FailOrder').Parameters).toMatchObject({
      Payload: { step: 'failOrder', 'order.$': '$', 'failure.$': '$.failure' },
    });
    expect(state('FlagNeedsAttention').Parameters).toMatchObject({
      Payload: { step: 'flagNeedsAttention', 'order.$': '$', 'failure.$': '$.failure' },
    });
    for (const name of ['ConfirmOrder', 'FailOrder', 'FlagNeedsAttention']) {
      expect(state(name).Resource).toBe('arn:aws:states:::lambda:invoke');
      expect(state(name).ResultPath).toBeNull();
      expect(state(name).TimeoutSeconds).toBe(PLAIN_STEP_TIMEOUT_SECONDS);
    }
  });

  it('retries with full jitter; a timeout is retried only where the step must happen, never on the forward steps', () => {
    for (const [name, task] of Object.entries(asl.States).filter(([, s]) => s.Type === 'Task')) {
      // Prepare
      const retries = task.Retry as { ErrorEquals: string[]; JitterStrategy: string }[];
      const retried = new Set(retries.flatMap((retry) => retry.ErrorEquals));

      // Assess
      expect(retries.length, name).toBeGreaterThan(0);
      for (const retry of retries) {
        expect(retry.JitterStrategy).toBe('FULL');
        expect(retry.ErrorEquals).not.toContain('States.ALL');
      }
      for (const error of TRANSIENT_ERRORS) expect(retried.has(error), `${name} retries ${error}`).toBe(true);
      const mustHappen = MUST_HAPPEN_STEPS.includes(name);
      for (const timeout of TIMEOUT_ERRORS) {
        expect(retried.has(timeout), `${name} retries ${timeout}`).toBe(mustHappen);
      }
    }
    expect(MUST_HAPPEN_STEPS).not.toEqual(expect.arrayContaining(['ReserveInventory']));
    expect(MUST_HAPPEN_STEPS).not.toEqual(expect.arrayContaining(['ProcessPayment']));
  });

  it('retries a service’s transient trouble on a forward step for about a minute, and a failed publish for minutes', () => {
    for (const name of ['ReserveInventory', 'ProcessPayment']) {
      // Prepare
      const retries = state(name).Retry as RetrierJson[];
      const retrierOf = (error: string) => retries.find((retry) => retry.ErrorEquals.includes(error))!;

      // Act
      const serviceHorizon = retryHorizonSeconds(retrierOf('TransientFailure'));
      const publishHorizons = PUBLISH_ERRORS.map((error) => retryHorizonSeconds(retrierOf(error)));

      // Assess: on average half of it is waited; a publish is retried as long as a lifecycle event's
      expect(serviceHorizon / 2, name).toBeGreaterThanOrEqual(30);
      for (const horizon of publishHorizons) expect(horizon / 2, name).toBeGreaterThanOrEqual(120);
    }
  });

  it('ends a reservation that could not be published for minutes as the pipeline’s failure, releasing stock', () => {
    // Act
    const onPublishError = catchOf('ReserveInventory', 'EventPublishError')!;

    // Assess
    expect(onPublishError.ErrorEquals).toEqual([...PUBLISH_ERRORS]);
    expect(state(onPublishError.Next).Result).toEqual({ reason: 'INTERNAL_ERROR' });
    expect(state(onPublishError.Next).Next).toBe('ReleaseStock');
  });

  it('publishes a compensation again after a whole pick-up budget without pick-up, then asks for a person', () => {
    for (const name of ['RefundCharge', 'ReleaseStock']) {
      // Prepare
      const retries = state(name).Retry as { ErrorEquals: string[]; MaxAttempts: number }[];

      // Act
      const onTimeout = retries.filter((retry) => retry.ErrorEquals.includes('States.Timeout'));

      // Assess
      expect(onTimeout, name).toHaveLength(1);
      expect(onTimeout[0]!.MaxAttempts).toBe(COMPENSATION_TIMEOUT_RETRIES);
    }
  });

  it('bounds the execution above its longest path, every step retried to the end', () => {
    // Prepare: the execution timeout in the template, and the path each step's retries allow
    const executionTimeout = asl.TimeoutSeconds as number;
    const attemptSeconds = (name: string) => state(name).TimeoutSeconds as number;
    const [mustHappen] = state('FailOrder').Retry as RetrierJson[];
    const longestWait = retryHorizonSeconds(mustHappen!);

    // Act: each plain step that must happen and each compensation retried to its end, at its timeout
    const plainSteps = ['FailOrder', 'FlagNeedsAttention'].reduce(
      (sum, name) => sum + (mustHappen!.MaxAttempts + 1) * attemptSeconds(name) + longestWait,
      0,
    );
    const compensations = ['RefundCharge', 'ReleaseStock'].reduce(
      (sum, name) => sum + (COMPENSATION_TIMEOUT_RETRIES + 1) * attemptSeconds(name) + longestWait,
      0,
    );
    // A forward step's failed publishes are retried as a plain step's are.
    const forward = ['ReserveInventory', 'ProcessPayment'].reduce(
      (sum, name) =>
        sum + mustHappen!.MaxAttempts * PLAIN_STEP_TIMEOUT_SECONDS + longestWait + attemptSeconds(name),
      0,
    );

    // Assess
    expect(executionTimeout).toBeGreaterThan(plainSteps + compensations + forward);
    expect(executionTimeout).toBeGreaterThan(longestExecutionSeconds(config));
  });

  it.each([...MUST_HAPPEN_STEPS])(
    'keeps retrying %s for minutes after errors, long enough to outlast a broker restart',
    (name) => {
      // Prepare
      const [retry] = state(name).Retry as RetrierJson[];

      // Act
      const horizonSeconds = retryHorizonSeconds(retry!);

      // Assess: on average half of it is waited, plus one step timeout per attempt
      expect(horizonSeconds / 2).toBeGreaterThanOrEqual(120);
    },
  );

  it('never refunds a confirmation: a ConfirmOrder that fails for good is left for a person', () => {
    // Prepare
    const reachable = new Set<string>();
    const visit = (name: string): void => {
      if (reachable.has(name)) return;
      reachable.add(name);
      const next = state(name);
      if (next.Next) visit(next.Next);
      for (const caught of (next.Catch as { Next: string }[] | undefined) ?? []) visit(caught.Next);
    };

    // Act
    visit('ConfirmOrder');

    // Assess
    expect([...reachable].sort()).toEqual(['ConfirmOrder', 'ConfirmationUnpublished']);
    expect(state('ConfirmationUnpublished')).toMatchObject({
      Type: 'Fail',
      Error: 'ConfirmationUnpublished',
    });
  });

  it.each([
    ['ReserveInventory', 'OutOfStock', 'OUT_OF_STOCK', ['ReleaseStock', 'FailOrder', 'OrderFailed']],
    ['ReserveInventory', 'UnknownSku', 'UNKNOWN_SKU', ['ReleaseStock', 'FailOrder', 'OrderFailed']],
    ['ReserveInventory', 'States.ALL', 'INVENTORY_TIMEOUT', ['ReleaseStock', 'FailOrder', 'OrderFailed']],
    [
      'ProcessPayment',
      'PaymentDeclined',
      'PAYMENT_DECLINED',
      ['RefundCharge', 'ReleaseStock', 'FailOrder', 'OrderFailed'],
    ],
    [
      'ProcessPayment',
      'States.Timeout',
      'PAYMENT_TIMEOUT',
      ['RefundCharge', 'ReleaseStock', 'FailOrder', 'OrderFailed'],
    ],
    [
      'ProcessPayment',
      'PaymentTimeout',
      'PAYMENT_TIMEOUT',
      ['RefundCharge', 'ReleaseStock', 'FailOrder', 'OrderFailed'],
    ],
    [
      'ProcessPayment',
      'States.ALL',
      'INTERNAL_ERROR',
      ['RefundCharge', 'ReleaseStock', 'FailOrder', 'OrderFailed'],
    ],
  ] as const)('%s catching %s sets reason %s and compensates %j', (name, error, reason, compensations) => {
    // Prepare
    const caught = catchOf(name, error);

    // Act
    const path = pathFrom(caught!.Next);

    // Assess
    expect(caught!.ResultPath).toBe('$.error');
    const reasonState = state(path[0]!);
    expect(reasonState).toMatchObject({ Type: 'Pass', Result: { reason }, ResultPath: '$.failure' });
    expect(path.slice(1)).toEqual(compensations);
    expect(state('OrderFailed')).toMatchObject({ Type: 'Fail', Error: 'OrderFailed' });
  });

  it('lists catches from specific to States.ALL, so a business error is never taken for a timeout', () => {
    for (const [name, task] of Object.entries(asl.States).filter(([, s]) => s.Catch !== undefined)) {
      // Prepare
      const catches = task.Catch as { ErrorEquals: string[]; ResultPath: string }[];

      // Assess
      expect(catches.at(-1)!.ErrorEquals, name).toEqual(['States.ALL']);
      for (const caught of catches) {
        expect(caught.ResultPath).toBe('$.error');
      }
    }
  });

  it('flags a compensation that fails for good and ends in CompensationFailed', () => {
    for (const name of ['RefundCharge', 'ReleaseStock', 'FailOrder']) {
      // Assess
      expect(pathFrom(catchOf(name, 'States.ALL')!.Next)).toEqual([
        'FlagNeedsAttention',
        'CompensationFailed',
      ]);
    }
    expect(state('CompensationFailed')).toMatchObject({ Type: 'Fail', Error: 'CompensationFailed' });
  });

  it('lets the saga services answer task tokens of this state machine only', () => {
    // Prepare
    const sagaArn = `arn:aws:states:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:stateMachine:${config.namePrefix}-order-saga`;
    const answering = ['inventoryService', 'paymentService'];

    for (const fnId of Object.keys(functions)) {
      // Act
      const name = functions[fnId]!.Properties.Environment.Variables[
        SETTING_ENV_VARS.pipelineFunction
      ] as string;

      // Assess
      for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']) {
        expect(resourcesFor(fnId, action), `${name} ${action}`).toEqual(
          answering.includes(name) ? [sagaArn] : [],
        );
      }
    }
    const checkout = functionId(INVOKED_FUNCTIONS.checkout.name);
    expect(resourcesFor(checkout, 'states:StartExecution')).toEqual([expect.stringMatching(/OrderSaga/)]);
    expect(functions[checkout]!.Properties.Environment.Variables.STATE_MACHINE_ARN).toEqual({
      Ref: Object.keys(machines)[0],
    });
  });

  it.each([
    ['succeeds', {}, 'OrderConfirmed', ['ReserveInventory', 'ProcessPayment', 'ConfirmOrder']],
    [
      'fails on OutOfStock',
      { ReserveInventory: 'OutOfStock' },
      'OrderFailed',
      ['ReserveInventory', 'ReleaseStock', 'FailOrder:OUT_OF_STOCK'],
    ],
    [
      'compensates a declined payment',
      { ProcessPayment: 'PaymentDeclined' },
      'OrderFailed',
      ['ReserveInventory', 'ProcessPayment', 'RefundCharge', 'ReleaseStock', 'FailOrder:PAYMENT_DECLINED'],
    ],
    [
      'flags a refund that fails for good',
      { ProcessPayment: 'PaymentDeclined', RefundCharge: 'RefundRejected' },
      'CompensationFailed',
      ['ReserveInventory', 'ProcessPayment', 'RefundCharge', 'FlagNeedsAttention:PAYMENT_DECLINED'],
    ],
  ] as const)(
    'runs in aws-local-stepfunctions, the emulator of the local mode: %s',
    async (_case, failures, outcome, steps) => {
      // Prepare
      const visited: string[] = [];
      const handlers = Object.fromEntries(
        Object.keys(asl.States).map((name) => [
          name,
          // Tasks receive their Parameters: { FunctionName, Payload }.
          async (input: unknown) => {
            const failure = (input as { Payload: { failure?: { reason: string } } }).Payload.failure;
            visited.push(failure ? `${name}:${failure.reason}` : name);
            const error = (failures as Record<string, string>)[name];
            if (error) throw Object.assign(new Error(error), { name: error });
            return { done: name };
          },
        ]),
      );
      const machine = new StateMachine(asl as never, { validationOptions: { checkArn: false } });

      // Act
      const execution = machine.run(
        { orderId: '3f1c6d1e-5b7a-4a53-9a43-2a4b8f0d9c11', total: 1000 },
        {
          overrides: { taskResourceLocalHandlers: handlers },
          context: { Task: { Token: 'local-token' } } as never,
        },
      );
      const result = await execution.result.then(
        (output) => ({ status: 'OrderConfirmed', output }),
        (error: Error) => ({
          status: /CompensationFailed|needs attention/.test(`${error.name} ${error.message}`)
            ? 'CompensationFailed'
            : 'OrderFailed',
          output: error,
        }),
      );

      // Assess
      expect(visited).toEqual(steps);
      expect(result.status).toBe(outcome);
    },
  );
});

describe('AppStack: checkout API', () => {
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as Resource[];
  const method = (verb: string) => methods.find((m) => m.Properties.HttpMethod === verb)!;
  const [authorizerId] = Object.keys(template.findResources('AWS::ApiGateway::Authorizer'));
  const [validatorId, validator] = Object.entries(
    template.findResources('AWS::ApiGateway::RequestValidator'),
  )[0]!;
  const [stageId, stage] = Object.entries(template.findResources('AWS::ApiGateway::Stage'))[0]!;

  it('protects both methods with the Cognito user pool authorizer and the body-and-parameters validator', () => {
    // Assess
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['GET', 'POST']);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
    });
    expect(validator.Properties).toMatchObject({
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    for (const m of methods) {
      expect(m.Properties).toMatchObject({
        AuthorizationType: 'COGNITO_USER_POOLS',
        AuthorizerId: { Ref: authorizerId },
        RequestValidatorId: { Ref: validatorId },
      });
    }
  });

  it('validates POST /orders against the model generated from the checkout zod schema', () => {
    // Prepare
    const models = template.findResources('AWS::ApiGateway::Model');
    const post = method('POST').Properties;
    const modelId = post.RequestModels['application/json'].Ref as string;

    // Assess
    expect(models[modelId]!.Properties.Schema).toEqual(placeOrderRequestJsonSchema());
    expect(models[modelId]!.Properties.Schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(post.RequestParameters).toEqual({ 'method.request.header.Idempotency-Key': false });
    expect(post.MethodResponses).toContainEqual(
      expect.objectContaining({
        StatusCode: '202',
        ResponseParameters: { 'method.response.header.Location': true },
      }),
    );
    expect(post.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
  });

  it('requires the orderId path parameter on GET /orders/{orderId}', () => {
    // Assess
    expect(method('GET').Properties.RequestParameters).toEqual({ 'method.request.path.orderId': true });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{orderId}' });
  });

  it('throttles the stage from the stage config, traces it and writes JSON access logs', () => {
    // Prepare
    const format = stage.Properties.AccessLogSetting.Format as string;

    // Assess
    expect(stage.Properties.StageName).toBe(config.stage);
    expect(stage.Properties.TracingEnabled).toBe(true);
    expect(stage.Properties.MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: config.apiThrottle.rateLimit,
        ThrottlingBurstLimit: config.apiThrottle.burstLimit,
      }),
    );
    expect(stage.Properties.AccessLogSetting.DestinationArn).toEqual({
      'Fn::GetAtt': [expect.any(String), 'Arn'],
    });
    expect(JSON.parse(format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  it('answers gateway errors in the error body shape', () => {
    // Prepare
    const body = GATEWAY_ERROR_TEMPLATE.replace('$context.error.responseType', 'BAD_REQUEST_BODY').replace(
      '$context.error.messageString',
      '"Invalid request body"',
    );

    // Assess
    expect(JSON.parse(body)).toEqual({
      error: { code: 'BAD_REQUEST_BODY', message: 'Invalid request body', details: [] },
    });
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
      });
    }
  });

  it('associates a regional WAF web ACL with managed rule groups and the per-IP rate limit', () => {
    // Prepare
    const [aclId, acl] = Object.entries(template.findResources('AWS::WAFv2::WebACL'))[0]!;
    const rules = acl.Properties.Rules as { Name: string; Statement: Record<string, CfnJson> }[];
    const association = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'))[0] as Resource;

    // Assess
    expect(acl.Properties.Scope).toBe('REGIONAL');
    expect(rules.filter((rule) => rule.Statement.ManagedRuleGroupStatement).map((rule) => rule.Name)).toEqual(
      [...MANAGED_RULE_GROUPS],
    );
    expect(
      rules.find((rule) => rule.Statement.RateBasedStatement)?.Statement.RateBasedStatement,
    ).toMatchObject({
      Limit: config.wafRateLimitPer5Min,
      AggregateKeyType: 'IP',
    });
    expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(renderArn(association.Properties.ResourceArn)).toMatch(
      new RegExp(`/restapis/[^/]+/stages/${stageId}$`),
    );
  });

  it('uses a Plus-tier user pool with enforced threat protection and a strong password policy', () => {
    // Assess
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
  });

  it('outputs the API URL, state machine ARN and user pool ids', () => {
    // Assess
    expect(Object.keys(template.toJSON().Outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'StateMachineArn', 'UserPoolId', 'UserPoolClientId']),
    );
  });

  it("outputs what the operator tools look up: each consumer's function, the orders table, the cluster", () => {
    // Prepare
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const expected = [
      OPERATOR_OUTPUTS.ordersTable,
      OPERATOR_OUTPUTS.kafkaCluster,
      OPERATOR_OUTPUTS.stateMachine,
      ...CONSUMERS.map((spec) => OPERATOR_OUTPUTS.functionName(spec.name)),
    ];

    // Assess
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(expected));
  });
});

describe('AppStack: cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding', () => {
    // Act
    const findings = formatNagFindings(unacknowledgedNagFindings(appStack));

    // Assess
    expect(findings).toEqual([]);
    expect(app.node.tryGetContext('aws:cdk:bundling-stacks')).toEqual([]);
  });
});
