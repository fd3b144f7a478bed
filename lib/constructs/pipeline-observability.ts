import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ConsumerSpec } from '../config/consumers';
import type { StageConfig } from '../config/stages';

/**
 * The custom metric the saga publisher emits (Powertools metrics, EMF) when a compensation fails
 * for good: namespace `OrderPipeline`, dimension `service` = the function's POWERTOOLS_SERVICE_NAME.
 */
export const COMPENSATION_FAILURES_METRIC = {
  namespace: 'OrderPipeline',
  metricName: 'CompensationFailures',
  dimensionsMap: { service: 'saga-publisher' },
} as const;

/** Consumer lag metrics MSK publishes with PER_TOPIC_PER_PARTITION monitoring (namespace AWS/Kafka). */
export const KAFKA_LAG_METRICS = ['MaxOffsetLag', 'SumOffsetLag', 'EstimatedMaxTimeLag'] as const;

/** Minutes a consumer may sit on waiting records without one successful invocation. */
export const STALLED_CONSUMER_MINUTES = 10;

export interface ObservedConsumer {
  readonly spec: ConsumerSpec;
  readonly fn: lambda.IFunction;
  readonly mappings: readonly lambda.EventSourceMapping[];
  readonly failureQueue: sqs.IQueue;
}

export interface PipelineObservabilityProps {
  readonly config: StageConfig;
  /** Name of the MSK cluster (dimension `Cluster Name` of the AWS/Kafka metrics). */
  readonly clusterName: string;
  readonly consumers: readonly ObservedConsumer[];
  readonly stateMachine: sfn.IStateMachine;
  readonly api: apigateway.RestApi;
  /** Every alarm notifies this topic. */
  readonly alarmTopic: sns.ITopic;
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/**
 * The stage's CloudWatch dashboard and alarms. Consumer lag comes first: per consumer group and
 * topic the MSK lag metrics and the event source mapping's OffsetLag, with a lag-time alarm and a
 * stalled-consumer alarm each; then DLQ depth, the saga and the API.
 */
export class PipelineObservability extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm of the stage, all with the alarm topic as action. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  private readonly props: PipelineObservabilityProps;
  private readonly alarmAction: actions.SnsAction;
  private readonly created: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineObservabilityProps) {
    super(scope, id);
    this.props = props;
    this.alarmAction = new actions.SnsAction(props.alarmTopic);
    const { config } = props;

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: `${config.namePrefix}-pipeline`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Order pipeline (${config.stage})\nConsumer lag per group first: a lagging side effect never blocks checkout, but customers notice after ${config.alarms.maxLagSeconds} s.`,
        width: 24,
        height: 2,
      }),
    );
    for (const consumer of props.consumers) {
      this.observeConsumer(consumer);
    }
    this.observeSaga();
    this.observeApi();
    this.alarms = this.created;
  }

  private kafkaMetric(
    metricName: string,
    consumer: ConsumerSpec,
    topic: string,
    statistic: string,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Kafka',
      metricName,
      dimensionsMap: {
        'Cluster Name': this.props.clusterName,
        'Consumer Group': consumer.consumerGroupId,
        Topic: topic,
      },
      statistic,
      period: ONE_MINUTE,
    });
  }

  private observeConsumer(consumer: ObservedConsumer): void {
    const { spec, fn, mappings, failureQueue } = consumer;
    const { config } = this.props;
    const widgets: cloudwatch.IWidget[] = [];

    for (const topic of spec.topics) {
      const timeLag = this.kafkaMetric('EstimatedMaxTimeLag', spec, topic, 'Maximum');
      const sumLag = this.kafkaMetric('SumOffsetLag', spec, topic, 'Maximum');
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${spec.consumerGroupId} on ${topic}`,
          left: [
            this.kafkaMetric('MaxOffsetLag', spec, topic, 'Maximum').with({
              label: 'MaxOffsetLag (records)',
            }),
            sumLag.with({ label: 'SumOffsetLag (records)' }),
          ],
          right: [timeLag.with({ label: 'EstimatedMaxTimeLag (s)' })],
          rightAnnotations: [{ value: config.alarms.maxLagSeconds, label: 'lag alarm' }],
          width: 8,
        }),
      );

      this.alarm(`LagTime-${spec.name}-${topic}`, {
        alarmName: `${config.namePrefix}-lag-${spec.name}-${topic}`,
        alarmDescription: `${spec.consumerGroupId} is more than ${config.alarms.maxLagSeconds} s behind on ${topic} for ${config.alarms.lagEvaluationMinutes} minutes.`,
        metric: timeLag,
        threshold: config.alarms.maxLagSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: config.alarms.lagEvaluationMinutes,
        datapointsToAlarm: config.alarms.lagEvaluationMinutes,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

      // Stalled: records are waiting (lag > 0) and the consumer has not finished one invocation
      // without error for the whole window. A slow consumer still completes invocations (the
      // lag-time alarm covers it); a stalled one (poller stuck, mapping disabled, every batch
      // failing) does not. Missing Lambda datapoints mean zero invocations, hence FILL(..., 0).
      this.alarm(`Stalled-${spec.name}-${topic}`, {
        alarmName: `${config.namePrefix}-stalled-${spec.name}-${topic}`,
        alarmDescription: `${spec.consumerGroupId} has records waiting on ${topic} but no successful invocation for ${STALLED_CONSUMER_MINUTES} minutes.`,
        metric: new cloudwatch.MathExpression({
          label: 'stalled (1 = records waiting, no successful invocation)',
          expression: 'IF(lag > 0 AND (FILL(invocations, 0) - FILL(errors, 0)) <= 0, 1, 0)',
          usingMetrics: {
            lag: sumLag,
            invocations: fn.metricInvocations({ statistic: 'Sum', period: ONE_MINUTE }),
            errors: fn.metricErrors({ statistic: 'Sum', period: ONE_MINUTE }),
          },
          period: ONE_MINUTE,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: STALLED_CONSUMER_MINUTES,
        datapointsToAlarm: STALLED_CONSUMER_MINUTES,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    // The event source mapping's own view of the lag (AWS/Lambda OffsetLag, per function and per mapping).
    widgets.push(
      new cloudwatch.GraphWidget({
        title: `${spec.name}: event source mapping OffsetLag`,
        left: [
          fn.metric('OffsetLag', { statistic: 'Maximum', period: ONE_MINUTE, label: 'OffsetLag (function)' }),
          ...mappings.map(
            (mapping) =>
              new cloudwatch.Metric({
                namespace: 'AWS/Lambda',
                metricName: 'OffsetLag',
                dimensionsMap: { EventSourceMappingUUID: mapping.eventSourceMappingId },
                statistic: 'Maximum',
                period: ONE_MINUTE,
                label: `OffsetLag ${mapping.node.id}`,
              }),
          ),
        ],
        width: 8,
      }),
    );

    const dlqDepth = failureQueue.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: ONE_MINUTE,
    });
    widgets.push(
      new cloudwatch.GraphWidget({
        title: `${spec.name}: on-failure queue depth`,
        left: [dlqDepth.with({ label: 'ApproximateNumberOfMessagesVisible' })],
        width: 8,
      }),
    );
    this.alarm(`Dlq-${spec.name}`, {
      alarmName: `${config.namePrefix}-dlq-${spec.name}`,
      alarmDescription: `Records of ${spec.consumerGroupId} landed in its on-failure queue: inspect and redrive.`,
      metric: dlqDepth,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.dashboard.addWidgets(...widgets);
  }

  private observeSaga(): void {
    const { stateMachine, config } = this.props;
    const sum = { statistic: 'Sum', period: FIVE_MINUTES };
    const failed = stateMachine.metricFailed(sum);
    const timedOut = stateMachine.metricTimedOut(sum);
    const compensationFailures = new cloudwatch.Metric({
      ...COMPENSATION_FAILURES_METRIC,
      statistic: 'Sum',
      period: ONE_MINUTE,
    });

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Saga executions',
        left: [
          stateMachine.metricStarted(sum).with({ label: 'ExecutionsStarted' }),
          stateMachine.metricSucceeded(sum).with({ label: 'ExecutionsSucceeded' }),
          failed.with({ label: 'ExecutionsFailed' }),
          timedOut.with({ label: 'ExecutionsTimedOut' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Saga execution time',
        left: [
          stateMachine
            .metricTime({ statistic: 'p99', period: FIVE_MINUTES })
            .with({ label: 'ExecutionTime p99 (ms)' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Compensation failures',
        left: [compensationFailures.with({ label: 'CompensationFailures' })],
        width: 8,
      }),
    );

    // Business failures (declined card, out of stock) also end in ExecutionsFailed: alarm on a rate.
    this.alarm('SagaFailures', {
      alarmName: `${config.namePrefix}-saga-failures`,
      alarmDescription: `More than ${config.alarms.sagaFailuresPer5Min} failed checkouts in 5 minutes.`,
      metric: failed,
      threshold: config.alarms.sagaFailuresPer5Min,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Every step has its own timeout, so an execution that times out as a whole is a bug.
    this.alarm('SagaTimeouts', {
      alarmName: `${config.namePrefix}-saga-timeouts`,
      alarmDescription: 'A saga execution timed out as a whole.',
      metric: timedOut,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm('CompensationFailures', {
      alarmName: `${config.namePrefix}-compensation-failures`,
      alarmDescription:
        'A refund or stock release failed for good: the order needs a person (OrderNeedsAttention).',
      metric: compensationFailures,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private observeApi(): void {
    const { api, config } = this.props;
    const stage = api.deploymentStage;
    const count = stage.metricCount({ statistic: 'Sum', period: FIVE_MINUTES });
    const serverErrors = stage.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES });

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [
          count.with({ label: 'Count' }),
          stage.metricClientError({ statistic: 'Sum', period: FIVE_MINUTES }).with({ label: '4XXError' }),
          serverErrors.with({ label: '5XXError' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency',
        left: [
          stage.metricLatency({ statistic: 'p50', period: FIVE_MINUTES }).with({ label: 'Latency p50 (ms)' }),
          stage.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }).with({ label: 'Latency p99 (ms)' }),
        ],
        width: 12,
      }),
    );

    this.alarm('Api5xxRate', {
      alarmName: `${config.namePrefix}-api-5xx-rate`,
      alarmDescription: `More than ${config.alarms.api5xxPercent} % of API requests failed with 5xx in 5 minutes.`,
      metric: new cloudwatch.MathExpression({
        label: '5xx rate (%)',
        expression: 'IF(requests > 0, 100 * FILL(serverErrors, 0) / requests, 0)',
        usingMetrics: { requests: count, serverErrors },
        period: FIVE_MINUTES,
      }),
      threshold: config.alarms.api5xxPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, props);
    alarm.addAlarmAction(this.alarmAction);
    this.created.push(alarm);
    return alarm;
  }
}
