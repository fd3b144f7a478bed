/**
 * Checkout's admission control in the synthesized app: the function sits in the VPC next to the
 * brokers, reads exactly the saga services' lag and nothing more, gets the stage's threshold, and
 * the API and the dashboard show its 503.
 */
import { describe, expect, it } from 'vitest';
import { ADMISSION_ENV, CHECKOUT_METRICS } from '../../lambdas/checkout/handlers/runtime-names';
import { sagaCommandMappings } from '../../lib/config/consumers';
import { INVOKED_FUNCTIONS, SETTING_ENV_VARS } from '../../lib/config/functions';
import { STAGES } from '../../lib/config/stages';
import { RETRY_AFTER_HEADER } from '../../lib/constructs/checkout-api';
import { CHECKOUT_METRIC_DIMENSIONS } from '../../lib/constructs/pipeline-observability';
import { synthPipeline } from './synth';
import { type CfnValue, flattenIntrinsics } from './template-text';

const config = STAGES.dev;
const { stacks, template } = synthPipeline('dev');
const app = template(stacks.app);
const functions = app.findResources('AWS::Lambda::Function') as Record<string, CfnValue>;
const policies = Object.values(app.findResources('AWS::IAM::Policy')) as CfnValue[];

const [checkoutId, checkout] = Object.entries(functions).find(
  ([, fn]) =>
    fn.Properties.Environment.Variables[SETTING_ENV_VARS.pipelineFunction] ===
    INVOKED_FUNCTIONS.checkout.name,
)!;
const [, sagaPublisher] = Object.entries(functions).find(
  ([, fn]) =>
    fn.Properties.Environment.Variables[SETTING_ENV_VARS.pipelineFunction] ===
    INVOKED_FUNCTIONS.sagaPublisher.name,
)!;
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement attached to the checkout role, with its resources flattened to text. */
function checkoutStatements(): { actions: string[]; resources: string[] }[] {
  const roleId = checkout.Properties.Role['Fn::GetAtt'][0] as string;
  return policies
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as CfnValue[])
    .map((statement) => ({
      actions: asArray(statement.Action as string | string[]),
      resources: asArray(statement.Resource).map((resource) => flattenIntrinsics(resource)),
    }));
}

function resourcesOf(action: string): string[] {
  return checkoutStatements()
    .filter((statement) => statement.actions.includes(action))
    .flatMap((statement) => statement.resources)
    .sort();
}

describe('checkout admission control: placement and configuration', () => {
  it('runs checkout in the private subnets with the security group the brokers admit', () => {
    // Assess
    expect(checkout.Properties.VpcConfig.SubnetIds).toHaveLength(3);
    expect(checkout.Properties.VpcConfig.SecurityGroupIds).toEqual(
      sagaPublisher.Properties.VpcConfig.SecurityGroupIds,
    );
  });

  it("gives checkout the cluster and the stage's threshold and Retry-After", () => {
    // Prepare
    const variables = checkout.Properties.Environment.Variables;

    // Assess
    expect(variables.MSK_CLUSTER_ARN).toEqual({ 'Fn::ImportValue': expect.any(String) });
    expect(variables.MSK_CLUSTER_ARN).toEqual(sagaPublisher.Properties.Environment.Variables.MSK_CLUSTER_ARN);
    expect(variables[ADMISSION_ENV.maxCommandBacklog]).toBe(String(config.admission.maxCommandBacklog));
    expect(variables[ADMISSION_ENV.retryAfterSeconds]).toBe(String(config.admission.retryAfterSeconds));
  });

  it.each(Object.values(STAGES).map((stage) => [stage.stage, stage] as const))(
    '%s: refuses before a queued command would wait more than half the pick-up budget',
    (_name, stage) => {
      // Prepare
      const { sustainableOrdersPerSecond, maxCommandBacklog, retryAfterSeconds } = stage.admission;

      // Act
      const waitAtThresholdSeconds = maxCommandBacklog / sustainableOrdersPerSecond;

      // Assess
      expect(waitAtThresholdSeconds).toBeLessThanOrEqual(stage.saga.pickUpBudgetSeconds / 2);
      expect(waitAtThresholdSeconds).toBeGreaterThan(stage.saga.pickUpBudgetSeconds / 4);
      expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
    },
  );
});

describe('checkout admission control: least privilege on the cluster', () => {
  const mappings = sagaCommandMappings();

  it('connects to the cluster and finds its IAM brokers, on the cluster only', () => {
    // Assess
    expect(resourcesOf('kafka-cluster:Connect')).toEqual(['<token>']);
    expect(resourcesOf('kafka:GetBootstrapBrokers')).toEqual(['<token>']);
    expect(checkoutStatements().find((s) => s.actions.includes('kafka-cluster:Connect'))?.resources).toEqual(
      resourcesOf('kafka:GetBootstrapBrokers'),
    );
  });

  it('describes exactly the saga command topics and the groups their services read them in', () => {
    // Prepare: arn:<partition>:kafka:<region>:<account>:<type>/<cluster name>/<cluster uuid>/<name>
    const arn = (type: 'topic' | 'group', name: string) =>
      `arn:<token>:kafka:<token>:<token>:${type}/${config.namePrefix}-events/<token>/${name}`;

    // Assess
    expect(resourcesOf('kafka-cluster:DescribeTopic')).toEqual(
      mappings.map((mapping) => arn('topic', mapping.topic)).sort(),
    );
    expect(resourcesOf('kafka-cluster:DescribeGroup')).toEqual(
      mappings.map((mapping) => arn('group', mapping.consumerGroupId)).sort(),
    );
  });

  it('can neither read nor write records, nor move an offset', () => {
    // Prepare
    const kafkaActions = checkoutStatements()
      .flatMap((statement) => statement.actions)
      .filter((action) => /^kafka(-cluster)?:/.test(action))
      .sort();

    // Assess
    expect(kafkaActions).toEqual([
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeGroup',
      'kafka-cluster:DescribeTopic',
      'kafka:GetBootstrapBrokers',
    ]);
    expect(checkoutId).toMatch(/^Checkout/);
  });
});

describe('checkout admission control: what callers and operators see', () => {
  it('documents the 503 of POST /orders with its Retry-After header on the method', () => {
    // Prepare
    const methods = Object.values(app.findResources('AWS::ApiGateway::Method')) as CfnValue[];
    const post = methods.find((method) => method.Properties.HttpMethod === 'POST');

    // Act
    const refused = post.Properties.MethodResponses.find(
      (response: { StatusCode: string }) => response.StatusCode === '503',
    );

    // Assess
    expect(refused.ResponseParameters).toEqual({ [`method.response.header.${RETRY_AFTER_HEADER}`]: true });
    expect(refused.ResponseModels['application/json']).toBeDefined();
  });

  it('shows refusals and the saga backlogs against the threshold on the dashboard', () => {
    // Prepare
    const [dashboard] = Object.values(app.findResources('AWS::CloudWatch::Dashboard')) as CfnValue[];
    const body = JSON.parse(
      flattenIntrinsics(dashboard.Properties.DashboardBody).replaceAll('<token>', 'TOKEN'),
    );
    const widgets = body.widgets as {
      properties: { title?: string; metrics?: unknown[][]; annotations?: unknown };
    }[];

    // Act
    const refusals = widgets.find((widget) =>
      widget.properties.metrics?.some((row) => row.includes(CHECKOUT_METRICS.ordersRefused)),
    );
    const backlogs = widgets.find((widget) => widget.properties.title?.includes('admission threshold'));

    // Assess
    expect(refusals?.properties.metrics?.find((row) => row.includes(CHECKOUT_METRICS.ordersRefused))).toEqual(
      expect.arrayContaining(['OrderPipeline', 'service', CHECKOUT_METRIC_DIMENSIONS.service]),
    );
    expect(CHECKOUT_METRIC_DIMENSIONS.service).toBe(INVOKED_FUNCTIONS.checkout.name);
    expect(JSON.stringify(backlogs?.properties.annotations)).toContain(
      String(config.admission.maxCommandBacklog),
    );
    for (const mapping of sagaCommandMappings()) {
      expect(
        backlogs?.properties.metrics?.some(
          (row) =>
            row.includes('SumOffsetLag') &&
            row.includes(mapping.consumerGroupId) &&
            row.includes(mapping.topic),
        ),
      ).toBe(true);
    }
  });
});
