/**
 * What a first `cdk deploy` into a new account, in any region, depends on, asserted on the
 * synthesized templates of the environment-agnostic dev stage. Each block names the AWS rule.
 */
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../lib/config/stages';
import { addPipelineStacks } from '../../lib/pipeline-stacks';
import { cdkJsonContext, synthPipeline } from './synth';
import type { CfnValue } from './template-text';

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, CfnValue>; DependsOn?: string[]; DeletionPolicy?: string }
>;

const { stacks, template } = synthPipeline('dev');
const app = template(stacks.app).toJSON().Resources as Resources;
const data = template(stacks.data).toJSON();
const ofType = (resources: Resources, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

describe('MSK event source mappings: one topic and a consumer group id of its own each', () => {
  // Lambda: "The consumer group ID that you specify must be unique among all your Kafka event sources."
  const mappings = ofType(app, 'AWS::Lambda::EventSourceMapping');

  it('gives no two mappings the same consumer group id', () => {
    // Act
    const groups = mappings.map(
      ([, mapping]) => mapping.Properties.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId,
    );

    // Assess
    expect(mappings).toHaveLength(12);
    expect(
      groups.every(
        (group) => typeof group === 'string' && /^[\x21-\x7e]+$/.test(group) && !group.includes(':'),
      ),
    ).toBe(true);
    expect(new Set(groups).size).toBe(mappings.length);
  });

  it('subscribes each mapping to exactly one topic', () => {
    for (const [id, mapping] of mappings) {
      // Assess
      expect(mapping.Properties.Topics, id).toHaveLength(1);
    }
  });
});

describe('API Gateway access logs: the account CloudWatch role', () => {
  // A stage with AccessLogSetting fails to deploy unless the account and region has a CloudWatch
  // role (AWS::ApiGateway::Account, one per account and region).
  const [accountId, account] = ofType(app, 'AWS::ApiGateway::Account')[0] ?? [];
  const [stageId, stage] = ofType(app, 'AWS::ApiGateway::Stage')[0]!;

  it('sets the account CloudWatch role before the stage that writes access logs', () => {
    // Prepare
    const roleId = account?.Properties.CloudWatchRoleArn?.['Fn::GetAtt']?.[0] as string;
    const role = app[roleId];

    // Assess
    expect(stage.Properties.AccessLogSetting, stageId).toBeDefined();
    expect(accountId).toBeDefined();
    expect(role?.Properties.AssumeRolePolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'apigateway.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }),
    );
    expect(JSON.stringify(role?.Properties.ManagedPolicyArns)).toContain(
      'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    expect(stage.DependsOn).toContain(accountId);
  });

  it('retains the role and the setting, so deleting one stage never breaks another in the account', () => {
    // Prepare
    const roleId = account!.Properties.CloudWatchRoleArn['Fn::GetAtt'][0] as string;

    // Assess
    expect(account!.DeletionPolicy).toBe('Retain');
    expect(app[roleId]!.DeletionPolicy).toBe('Retain');
  });
});

describe('availability zones: whichever region the env-agnostic stack is deployed to', () => {
  const subnets = ofType(data.Resources as Resources, 'AWS::EC2::Subnet');

  it('names no availability zone literally', () => {
    // Assess: a literal such as eu-central-1a fails in every other region.
    expect(JSON.stringify(data)).not.toMatch(/"[a-z]{2}(-[a-z]+)+-\d[a-z]"/);
  });

  it('puts the three brokers in three distinct zones of the deployment region', () => {
    // Prepare
    const [, cluster] = ofType(data.Resources as Resources, 'AWS::MSK::Cluster')[0]!;
    const zoneOf = Object.fromEntries(
      subnets.map(([id, subnet]) => [id, subnet.Properties.AvailabilityZone]),
    );

    // Act
    const brokerZones = (cluster.Properties.BrokerNodeGroupInfo.ClientSubnets as { Ref: string }[]).map(
      (subnet) => zoneOf[subnet.Ref],
    );

    // Assess
    expect(cluster.Properties.NumberOfBrokerNodes).toBe(3);
    expect(brokerZones).toEqual([0, 1, 2].map((index) => ({ 'Fn::Select': [index, { 'Fn::GetAZs': '' }] })));
  });
});

describe('SES sender identity', () => {
  /** The App stack synthesized with this `senderEmail` context. */
  function appWithSender(senderEmail: string): Resources {
    const withContext = new App({
      builtinCloudFormationValidation: false,
      context: { ...cdkJsonContext(), stage: 'dev', 'aws:cdk:bundling-stacks': [], senderEmail },
    });
    const { app: appStack } = addPipelineStacks(withContext, STAGES.dev);
    return Template.fromStack(appStack as Stack).toJSON().Resources as Resources;
  }

  it.each([
    ['the placeholder when no sender is configured', undefined, 'orders@example.com'],
    ['the configured sender', 'orders@shop.test', 'orders@shop.test'],
  ])('creates the e-mail identity of %s and lets notification send from it', (_case, sender, expected) => {
    // Prepare
    const resources = sender === undefined ? app : appWithSender(sender);

    // Act
    const identities = ofType(resources, 'AWS::SES::EmailIdentity');
    const [identityId] = identities[0] ?? [];
    const notification = ofType(resources, 'AWS::Lambda::Function').find(
      ([, fn]) => fn.Properties.Environment?.Variables?.PIPELINE_FUNCTION === 'notification',
    )![1];
    const sendStatements = ofType(resources, 'AWS::IAM::Policy')
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: CfnValue) => statement.Action === 'ses:SendEmail');

    // Assess
    expect(identities.map(([, identity]) => identity.Properties.EmailIdentity)).toEqual([expected]);
    expect(notification.Properties.Environment.Variables.SENDER_EMAIL).toBe(expected);
    expect(JSON.stringify(sendStatements)).toContain(identityId);
  });
});

describe('consumer alarms', () => {
  const alarms = ofType(app, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
  const named = (part: string) => alarms.filter((alarm) => String(alarm.AlarmName).includes(part));

  it('alarms a stalled consumer on its committed offsets, not on Lambda Errors (0 with partial batch responses)', () => {
    // Prepare
    const stalled = named('-stalled-');

    // Assess
    expect(stalled).toHaveLength(12);
    for (const alarm of stalled) {
      const metrics = (alarm.Metrics as CfnValue[]).map((query) => query.MetricStat?.Metric.MetricName);
      expect(metrics).not.toContain('Errors');
      expect(metrics).toEqual(expect.arrayContaining(['SumOffsetLag', 'CommittedEventCount']));
    }
  });

  it('does not resolve a lag alarm when MSK stops emitting the lag of a failing group', () => {
    // Assess
    const lag = named('-lag-');
    expect(lag).toHaveLength(12);
    for (const alarm of lag) {
      expect(alarm.TreatMissingData).toBe('ignore');
    }
  });
});
