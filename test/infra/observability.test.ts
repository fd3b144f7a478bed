import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { CHECKOUT_METRICS } from '../../lambdas/checkout/handlers/runtime-names';
import { CONSUMERS } from '../../lib/config/consumers';
import { STAGES } from '../../lib/config/stages';
import {
  ADMISSION_BLIND_MINUTES,
  COMPENSATION_FAILURES_METRIC,
  KAFKA_LAG_METRICS,
  PipelineObservability,
  POISON_RECORDS_METRIC,
  STALLED_CONSUMER_MINUTES,
  STALLED_EXPRESSION,
} from '../../lib/constructs/pipeline-observability';
import { synthPipeline } from './synth';
import { type CfnValue, flattenIntrinsics } from './template-text';

const CLUSTER_NAME = 'order-pipeline-dev-events';
const CLUSTER_ARN = 'arn:aws:kafka:eu-central-1:111122223333:cluster/order-pipeline-dev-events/uuid-1';

/** The construct on its own, fed with minimal real resources shaped like the app stack's. */
function observedStack() {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'ObservabilityTest');
  const alarmTopic = new sns.Topic(stack, 'Alarms');
  const consumers = CONSUMERS.map((spec) => {
    const fn = new lambda.Function(stack, `${spec.name}Fn`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    });
    const mappings = spec.mappings.map((mapping) => ({
      ...mapping,
      eventSourceMapping: new lambda.EventSourceMapping(stack, `${spec.name}-${mapping.topic}`, {
        target: fn,
        eventSourceArn: CLUSTER_ARN,
        kafkaTopic: mapping.topic,
        kafkaConsumerGroupId: mapping.consumerGroupId,
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      }),
    }));
    return { spec, fn, mappings, deadLetterTopic: spec.deadLetterTopic };
  });
  const stateMachine = new sfn.StateMachine(stack, 'Saga', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'PlaceOrder')),
  });
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('GET', new apigateway.MockIntegration());
  const observability = new PipelineObservability(stack, 'Observability', {
    config: STAGES.dev,
    clusterName: CLUSTER_NAME,
    consumers,
    stateMachine,
    api,
    alarmTopic,
  });
  const template = Template.fromStack(stack);
  const mappingIds = Object.fromEntries(
    consumers.flatMap((consumer) =>
      consumer.mappings.map((mapping) => [
        mapping.consumerGroupId,
        stack.getLogicalId(mapping.eventSourceMapping.node.defaultChild as never),
      ]),
    ),
  );
  return {
    stack,
    template,
    observability,
    mappingIds,
    alarmTopicId: stack.getLogicalId(alarmTopic.node.defaultChild as never),
  };
}

/** Every mapping of the catalogue: consumer name, topic and the mapping's own group. */
const GROUP_TOPICS = CONSUMERS.flatMap((spec) =>
  spec.mappings.map((mapping) => [spec.name, mapping.topic, mapping.consumerGroupId] as const),
);

describe('PipelineObservability', () => {
  // Prepare
  const { template, alarmTopicId, mappingIds } = observedStack();
  const config = STAGES.dev;
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  const alarmNamed = (name: string) =>
    alarms.find((alarm) => alarm.Properties.AlarmName === name)?.Properties;

  it.each(GROUP_TOPICS)('alarms when %s lags more than the stage threshold on %s', (name, topic, group) => {
    // Act
    const alarm = alarmNamed(`${config.namePrefix}-lag-${name}-${topic}`);

    // Assess
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Kafka',
      MetricName: 'EstimatedMaxTimeLag',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: config.alarms.maxLagSeconds,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: config.alarms.lagEvaluationMinutes,
      DatapointsToAlarm: config.alarms.lagEvaluationMinutes,
      AlarmActions: [{ Ref: alarmTopicId }],
      // MSK stops emitting lag for an unstable group: keep the state rather than resolve.
      TreatMissingData: 'ignore',
    });
    expect(alarm?.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'Cluster Name', Value: CLUSTER_NAME },
        { Name: 'Consumer Group', Value: group },
        { Name: 'Topic', Value: topic },
      ]),
    );
  });

  it.each(GROUP_TOPICS)(
    'alarms when %s has records waiting on %s but its mapping commits none',
    (name, topic, group) => {
      // Act
      const alarm = alarmNamed(`${config.namePrefix}-stalled-${name}-${topic}`);
      const queries = alarm?.Metrics as Array<Record<string, CfnValue>>;
      const byId = Object.fromEntries(queries.map((query) => [query.Id, query]));

      // Assess
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: STALLED_CONSUMER_MINUTES,
        DatapointsToAlarm: STALLED_CONSUMER_MINUTES,
        AlarmActions: [{ Ref: alarmTopicId }],
        TreatMissingData: 'ignore',
      });
      expect(queries.find((query) => query.Expression)?.Expression).toBe(STALLED_EXPRESSION);
      expect(byId.lag.MetricStat.Metric).toMatchObject({
        Namespace: 'AWS/Kafka',
        MetricName: 'SumOffsetLag',
      });
      expect(byId.lag.MetricStat.Metric.Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'Consumer Group', Value: group },
          { Name: 'Topic', Value: topic },
        ]),
      );
      // Progress is the mapping's own committed offsets, not Lambda Errors (0 with partial batch responses).
      expect(byId.committed.MetricStat).toMatchObject({
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: 'CommittedEventCount',
          Dimensions: [{ Name: 'EventSourceMappingUUID', Value: { Ref: mappingIds[group] } }],
        },
        Stat: 'Sum',
      });
      expect(queries.map((query) => query.MetricStat?.Metric.MetricName)).not.toContain('Errors');
    },
  );

  it.each(CONSUMERS.map((spec) => [spec.name]))(
    'alarms on any record %s sends to its dead-letter topic, from its mappings or its handler',
    (name) => {
      // Prepare
      const spec = CONSUMERS.find((consumer) => consumer.name === name)!;

      // Act
      const alarm = alarmNamed(`${config.namePrefix}-dlq-${name}`);

      // Assess
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: alarmTopicId }],
      });
      const queries = alarm?.Metrics as Array<Record<string, CfnValue>>;
      const expression = queries.find((query) => query.Expression !== undefined)?.Expression as string;
      expect(expression?.split(' + ')).toHaveLength(spec.mappings.length + 1);
      for (const mapping of spec.mappings) {
        expect(queries).toContainEqual(
          expect.objectContaining({
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'OnFailureDestinationDeliveredEventCount',
                Dimensions: [
                  { Name: 'EventSourceMappingUUID', Value: { Ref: mappingIds[mapping.consumerGroupId] } },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          }),
        );
      }
      expect(queries).toContainEqual(
        expect.objectContaining({
          MetricStat: {
            Metric: {
              Namespace: POISON_RECORDS_METRIC.namespace,
              MetricName: POISON_RECORDS_METRIC.metricName,
              Dimensions: [{ Name: 'service', Value: name }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        }),
      );
      expect(JSON.stringify(alarm)).not.toContain('AWS/SQS');
    },
  );

  it('alarms on saga failures over the stage rate, on saga timeouts and on any compensation failure', () => {
    // Assess
    expect(alarmNamed(`${config.namePrefix}-saga-failures`)).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Statistic: 'Sum',
      Period: 300,
      Threshold: config.alarms.sagaFailuresPer5Min,
    });
    expect(alarmNamed(`${config.namePrefix}-saga-timeouts`)).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsTimedOut',
      Threshold: 1,
    });
    expect(alarmNamed(`${config.namePrefix}-compensation-failures`)).toMatchObject({
      Namespace: COMPENSATION_FAILURES_METRIC.namespace,
      MetricName: COMPENSATION_FAILURES_METRIC.metricName,
      Dimensions: [{ Name: 'service', Value: 'saga-publisher' }],
      Statistic: 'Sum',
      Threshold: 1,
      AlarmActions: [{ Ref: alarmTopicId }],
    });
  });

  it('alarms when checkout has admitted blind, without a backlog reading, for minutes in a row', () => {
    // Act
    const alarm = alarmNamed(`${config.namePrefix}-admission-blind`);

    // Assess
    expect(alarm).toMatchObject({
      Namespace: COMPENSATION_FAILURES_METRIC.namespace,
      MetricName: CHECKOUT_METRICS.backlogReadFailures,
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: ADMISSION_BLIND_MINUTES,
      DatapointsToAlarm: ADMISSION_BLIND_MINUTES,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: alarmTopicId }],
    });
  });

  it('alarms on the API 5xx rate computed with metric math', () => {
    // Act
    const alarm = alarmNamed(`${config.namePrefix}-api-5xx-rate`);
    const queries = alarm?.Metrics as Array<Record<string, CfnValue>>;

    // Assess
    expect(alarm).toMatchObject({
      Threshold: config.alarms.api5xxPercent,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(queries.find((query) => query.Expression)?.Expression).toBe(
      'IF(requests > 0, 100 * FILL(serverErrors, 0) / requests, 0)',
    );
    expect(
      queries
        .map((query) => query.MetricStat?.Metric.MetricName)
        .filter(Boolean)
        .sort(),
    ).toEqual(['5XXError', 'Count']);
  });

  it('sends every alarm to the alarm topic', () => {
    // Assess
    expect(alarms.length).toBe(GROUP_TOPICS.length * 2 + CONSUMERS.length + 5);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: alarmTopicId }]);
    }
  });

  describe('dashboard', () => {
    // Prepare
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    const [dashboard] = Object.values(dashboards);
    const body = JSON.parse(
      flattenIntrinsics(dashboard?.Properties.DashboardBody).replaceAll('<token>', 'TOKEN'),
    );
    const metricRows: unknown[][] = body.widgets.flatMap(
      (widget: { properties: { metrics?: unknown[][] } }) => widget.properties.metrics ?? [],
    );
    const has = (...parts: unknown[]) =>
      metricRows.some((row) => parts.every((part) => row.includes(part as never)));

    it('is one dashboard per stage', () => {
      // Assess
      expect(Object.keys(dashboards)).toHaveLength(1);
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: `${config.namePrefix}-pipeline`,
      });
    });

    it.each(GROUP_TOPICS)('shows the MSK lag metrics of %s on %s', (_name, topic, group) => {
      // Assess
      for (const metric of KAFKA_LAG_METRICS) {
        expect(has('AWS/Kafka', metric, 'Consumer Group', group, 'Topic', topic, CLUSTER_NAME)).toBe(true);
      }
    });

    it.each(CONSUMERS.map((spec) => [spec.name, spec] as const))(
      'shows the mapping OffsetLag and the records sent to the dead-letter topic of %s',
      (_name, spec) => {
        // Assess
        const offsetLagRows = metricRows.filter(
          (row) => row.includes('AWS/Lambda') && row.includes('OffsetLag'),
        );
        expect(offsetLagRows.length).toBeGreaterThanOrEqual(CONSUMERS.length);
        expect(has('AWS/Lambda', 'OffsetLag', 'EventSourceMappingUUID')).toBe(true);
        expect(has('AWS/Lambda', 'OnFailureDestinationDeliveredEventCount', 'EventSourceMappingUUID')).toBe(
          true,
        );
        expect(
          body.widgets.some((widget: { properties: { title?: string } }) =>
            widget.properties.title?.includes(spec.deadLetterTopic),
          ),
        ).toBe(true);
        expect(
          body.widgets.some((widget: { properties: { title?: string } }) =>
            widget.properties.title?.startsWith(spec.name),
          ),
        ).toBe(true);
      },
    );

    it('shows saga outcomes, execution time p99, API traffic, errors and latency percentiles', () => {
      // Assess
      for (const metric of [
        'ExecutionsStarted',
        'ExecutionsSucceeded',
        'ExecutionsFailed',
        'ExecutionsTimedOut',
      ]) {
        expect(has('AWS/States', metric)).toBe(true);
      }
      expect(
        metricRows.some((row) => row.includes('ExecutionTime') && JSON.stringify(row).includes('"p99"')),
      ).toBe(true);
      for (const metric of ['Count', '4XXError', '5XXError']) {
        expect(has('AWS/ApiGateway', metric, 'Stage')).toBe(true);
      }
      for (const percentile of ['p50', 'p99']) {
        expect(
          metricRows.some(
            (row) => row.includes('Latency') && JSON.stringify(row).includes(`"${percentile}"`),
          ),
        ).toBe(true);
      }
      expect(has(COMPENSATION_FAILURES_METRIC.namespace, COMPENSATION_FAILURES_METRIC.metricName)).toBe(true);
    });
  });
});

describe('PipelineObservability in the synthesized app', () => {
  it('watches every consumer group of the catalogue on the real cluster', () => {
    // Prepare
    const { stacks, template } = synthPipeline('dev');
    const alarms = Object.values(template(stacks.app).findResources('AWS::CloudWatch::Alarm'));

    // Act
    const lagAlarms = alarms.filter((alarm) => alarm.Properties.MetricName === 'EstimatedMaxTimeLag');

    // Assess
    expect(lagAlarms).toHaveLength(GROUP_TOPICS.length);
    for (const [, topic, group] of GROUP_TOPICS) {
      expect(
        lagAlarms.some((alarm) =>
          ['Cluster Name', 'Consumer Group', 'Topic'].every((name, index) =>
            alarm.Properties.Dimensions.some(
              (dimension: { Name: string; Value: string }) =>
                dimension.Name === name && dimension.Value === [stacks.data.clusterName, group, topic][index],
            ),
          ),
        ),
      ).toBe(true);
    }
  });
});
