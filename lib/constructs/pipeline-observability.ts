import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CHECKOUT_METRICS } from '../../lambdas/checkout/handlers/runtime-names';
import type { ConsumerMapping, ConsumerSpec } from '../config/consumers';
import { INVOKED_FUNCTIONS } from '../config/functions';
import type { StageConfig } from '../config/stages';

/**
 * The custom metric the saga publisher emits (Powertools metrics, EMF) when a compensation fails
 * for good: namespace `OrderPipeline`, dimension `service` = the function's POWERTOOLS_SERVICE_NAME.
 */
export const COMPENSATION_FAILURES_METRIC = {
  namespace: 'OrderPipeline',
  metricName: 'CompensationFailures',
  dimensionsMap: { service: INVOKED_FUNCTIONS.sagaPublisher.name },
} as const;

/**
 * The metric a consumer emits (Powertools metrics, EMF) for each poison record its handler sends to
 * the dead-letter topic: dimension `service` = the consumer's name.
 */
export const POISON_RECORDS_METRIC = { namespace: 'OrderPipeline', metricName: 'PoisonRecords' } as const;

/** Checkout's own metrics (Powertools, EMF): dimension `service` = the checkout function's service name. */
export const CHECKOUT_METRIC_DIMENSIONS = { service: INVOKED_FUNCTIONS.checkout.name } as const;

/** Consumer lag metrics MSK publishes with PER_TOPIC_PER_PARTITION monitoring (namespace AWS/Kafka). */
export const KAFKA_LAG_METRICS = ['MaxOffsetLag', 'SumOffsetLag', 'EstimatedMaxTimeLag'] as const;

/** Minutes a mapping may sit on waiting records without committing one. */
export const STALLED_CONSUMER_MINUTES = 10;

/** Minutes in a row of failed backlog readings before checkout's blind admission alarms. */
export const ADMISSION_BLIND_MINUTES = 5;

/**
 * Stalled, per mapping and minute: records are waiting in its group (AWS/Kafka SumOffsetLag) and
 * its event source mapping committed none (AWS/Lambda CommittedEventCount, the advance of the
 * committed offsets). Partial batch responses keep Lambda `Errors` at 0 while every record fails,
 * so only the committed offsets tell a stalled consumer from a busy one. Both inputs are filled
 * with 0: a group without committed offsets has no lag metric yet (nothing waits that it ever
 * read), and a mapping that is disabled or whose pollers are gone emits no mapping metrics at all
 * (Lambda guide, "Event source mapping metrics"), which is exactly the stall.
 */
export const STALLED_EXPRESSION = 'IF(FILL(lag, 0) > 0 AND FILL(committed, 0) <= 0, 1, 0)';

/** A mapping as the observability construct watches it: its topic, group and mapping resource. */
export interface ObservedMapping extends ConsumerMapping {
  readonly eventSourceMapping: lambda.IEventSourceMapping;
}

export interface ObservedConsumer {
  readonly spec: ConsumerSpec;
  readonly fn: lambda.IFunction;
  readonly mappings: readonly ObservedMapping[];
  /** The consumer's dead-letter topic, for the alarm's description. */
  readonly deadLetterTopic: string;
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
    this.observeAdmission();
    this.alarms = this.created;
  }

  /** An MSK consumer lag metric of one mapping's group on its topic (PER_TOPIC_PER_PARTITION monitoring). */
  private kafkaMetric(metricName: string, mapping: ConsumerMapping, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Kafka',
      metricName,
      dimensionsMap: {
        'Cluster Name': this.props.clusterName,
        'Consumer Group': mapping.consumerGroupId,
        Topic: mapping.topic,
      },
      statistic,
      period: ONE_MINUTE,
    });
  }

  /** A metric the event source mapping itself publishes (MetricsConfig), per mapping UUID. */
  private mappingMetric(metricName: string, mapping: ObservedMapping, statistic: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { EventSourceMappingUUID: mapping.eventSourceMapping.eventSourceMappingId },
      statistic,
      period: ONE_MINUTE,
    });
  }

  private observeConsumer(consumer: ObservedConsumer): void {
    const { spec, fn, mappings, deadLetterTopic } = consumer;
    const { config } = this.props;
    const widgets: cloudwatch.IWidget[] = [];

    for (const mapping of mappings) {
      const { consumerGroupId, topic } = mapping;
      const timeLag = this.kafkaMetric('EstimatedMaxTimeLag', mapping, 'Maximum');
      const sumLag = this.kafkaMetric('SumOffsetLag', mapping, 'Maximum');
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${consumerGroupId} on ${topic}`,
          left: [
            this.kafkaMetric('MaxOffsetLag', mapping, 'Maximum').with({
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
        alarmDescription: `${consumerGroupId} is more than ${config.alarms.maxLagSeconds} s behind on ${topic} for ${config.alarms.lagEvaluationMinutes} minutes.`,
        metric: timeLag,
        threshold: config.alarms.maxLagSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: config.alarms.lagEvaluationMinutes,
        datapointsToAlarm: config.alarms.lagEvaluationMinutes,
        // MSK emits lag metrics only for a group that is STABLE or EMPTY and has committed offsets
        // (MSK guide, "Monitor consumer lags"): they vanish while a consumer's pollers keep
        // rebalancing and before a new group's first commit. Missing minutes therefore keep the
        // state: a lagging consumer whose metrics disappear stays in ALARM instead of resolving,
        // and a group that never read anything does not alarm.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });

      this.alarm(`Stalled-${spec.name}-${topic}`, {
        alarmName: `${config.namePrefix}-stalled-${spec.name}-${topic}`,
        alarmDescription: `${consumerGroupId} has records waiting on ${topic} but its event source mapping committed none for ${STALLED_CONSUMER_MINUTES} minutes: disabled, pollers gone, or every record failing.`,
        metric: new cloudwatch.MathExpression({
          label: 'stalled (1 = records waiting, none committed)',
          expression: STALLED_EXPRESSION,
          usingMetrics: {
            lag: sumLag,
            committed: this.mappingMetric('CommittedEventCount', mapping, 'Sum'),
          },
          period: ONE_MINUTE,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: STALLED_CONSUMER_MINUTES,
        datapointsToAlarm: STALLED_CONSUMER_MINUTES,
        // The expression fills both inputs, so it has a value every minute; a gap means CloudWatch
        // could not evaluate it, which neither proves nor disproves a stall: keep the state.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });
    }

    // The event source mapping's own view: OffsetLag (per function and per mapping) and the
    // records it committed per minute, the throughput the stalled alarm watches.
    widgets.push(
      new cloudwatch.GraphWidget({
        title: `${spec.name}: event source mapping OffsetLag`,
        left: [
          fn.metric('OffsetLag', { statistic: 'Maximum', period: ONE_MINUTE, label: 'OffsetLag (function)' }),
          ...mappings.map((mapping) =>
            this.mappingMetric('OffsetLag', mapping, 'Maximum').with({
              label: `OffsetLag ${mapping.topic}`,
            }),
          ),
        ],
        right: mappings.map((mapping) =>
          this.mappingMetric('CommittedEventCount', mapping, 'Sum').with({
            label: `committed ${mapping.topic}`,
          }),
        ),
        width: 8,
      }),
    );

    // Records reaching the dead-letter topic, from both writers: the mappings' on-failure
    // deliveries (OnFailureDestinationDeliveredEventCount, EventCount group, reported for MSK
    // mappings: Lambda guide, "Event source mapping metrics",
    // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics)
    // and the handler's poison records (its PoisonRecords metric). A topic has no queue depth, and
    // MSK's per-topic MessagesInPerSec is per broker, so the writers' own counts are what is alarmed.
    const delivered = Object.fromEntries(
      mappings.map((mapping, index) => [
        `delivered${index}`,
        this.mappingMetric('OnFailureDestinationDeliveredEventCount', mapping, 'Sum'),
      ]),
    );
    const deadLettered = new cloudwatch.MathExpression({
      label: `records sent to ${deadLetterTopic}`,
      expression: [...Object.keys(delivered), 'poison'].map((id) => `FILL(${id}, 0)`).join(' + '),
      usingMetrics: {
        ...delivered,
        poison: new cloudwatch.Metric({
          namespace: POISON_RECORDS_METRIC.namespace,
          metricName: POISON_RECORDS_METRIC.metricName,
          dimensionsMap: { service: spec.name },
          statistic: 'Sum',
          period: ONE_MINUTE,
        }),
      },
      period: ONE_MINUTE,
    });
    widgets.push(
      new cloudwatch.GraphWidget({
        title: `${spec.name}: records sent to ${deadLetterTopic}`,
        left: [deadLettered],
        width: 8,
      }),
    );
    this.alarm(`Dlq-${spec.name}`, {
      alarmName: `${config.namePrefix}-dlq-${spec.name}`,
      alarmDescription: `Records of the ${spec.name} consumer landed in its dead-letter topic ${deadLetterTopic}: npm run dlq -- list ${spec.name}, then show and redrive.`,
      metric: deadLettered,
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

  /**
   * Checkout's admission control beside what it decides on: orders placed and refused, backlog
   * readings that failed (orders then go through unchecked), and the saga services' backlogs
   * (SumOffsetLag, the figure checkout compares) against the stage's threshold.
   */
  private observeAdmission(): void {
    const { config, consumers } = this.props;
    const checkoutCount = (metricName: string, label?: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: COMPENSATION_FAILURES_METRIC.namespace,
        metricName,
        dimensionsMap: { ...CHECKOUT_METRIC_DIMENSIONS },
        statistic: 'Sum',
        period: ONE_MINUTE,
        ...(label === undefined ? {} : { label }),
      });
    const sagaMappings = consumers
      .filter((consumer) => consumer.spec.sagaRole === 'service')
      .flatMap((consumer) => consumer.mappings);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Checkout admission: orders refused at capacity (503)',
        left: [
          checkoutCount(CHECKOUT_METRICS.ordersPlaced, 'OrdersPlaced'),
          checkoutCount(CHECKOUT_METRICS.ordersRefused, 'OrdersRefused'),
          checkoutCount(CHECKOUT_METRICS.backlogReadFailures, 'backlog readings failed (admitted unchecked)'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Saga command backlogs against the admission threshold',
        left: sagaMappings.map((mapping) =>
          this.kafkaMetric('SumOffsetLag', mapping, 'Maximum').with({
            label: `${mapping.consumerGroupId} on ${mapping.topic}`,
          }),
        ),
        leftAnnotations: [{ value: config.admission.maxCommandBacklog, label: 'checkout refuses above' }],
        width: 12,
      }),
    );
    // A failover makes readings fail for seconds, and checkout rightly admits through it; readings
    // failing minute after minute mean checkout no longer protects the saga from a burst.
    this.alarm('AdmissionBlind', {
      alarmName: `${config.namePrefix}-admission-blind`,
      alarmDescription: `Checkout could not read the saga command backlogs in each of the last ${ADMISSION_BLIND_MINUTES} minutes and admits every order unchecked: check the brokers and the checkout function's access to them (its logs say why each reading failed).`,
      metric: checkoutCount(CHECKOUT_METRICS.backlogReadFailures),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: ADMISSION_BLIND_MINUTES,
      datapointsToAlarm: ADMISSION_BLIND_MINUTES,
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
