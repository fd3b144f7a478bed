/**
 * The checkout saga: a Standard state machine (JSONPath only: no JSONata, no Assign, so the local
 * emulator runs the very same definition) that publishes each command through the saga publisher
 * and waits for the service's answer on the task token. Failures run the compensations of the
 * steps already taken; a compensation that fails for good is flagged and alarmed. How long each
 * step waits is lib/config/saga-timing.ts (docs/saga-timing.md).
 */
import { ArnFormat, CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeCheckovFinding, LOG_GROUP_KMS_ACKNOWLEDGEMENT } from '../checkov';
import {
  type CallbackStep,
  COMPENSATION_TIMEOUT_RETRIES,
  callbackStepTimeoutSeconds,
  FORWARD_TRANSIENT_RETRY,
  longestExecutionSeconds,
  MUST_HAPPEN_RETRY,
  PLAIN_STEP_TIMEOUT_SECONDS,
  PROCESSING_TIMEOUT_ERRORS,
  type RetryPolicy,
} from '../config/saga-timing';
import type { StageConfig } from '../config/stages';
import { logRetention } from './pipeline-function';

/** Errors of the Lambda service and of the publisher: the command or event did not reach the broker. */
export const PUBLISH_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  // The publisher ran out of time (a broker that does not answer keeps the producer retrying).
  'Sandbox.Timedout',
  // The broker did not acknowledge the command; the producer is idempotent, publishing again is safe.
  'EventPublishError',
];

/** Errors worth another attempt: the publisher's, and a service's answer that its trouble is passing. */
export const TRANSIENT_ERRORS: readonly string[] = [...PUBLISH_ERRORS, 'TransientFailure'];

/** A task that timed out, by its overall timeout or by a missed heartbeat. */
export const TIMEOUT_ERRORS: readonly string[] = ['States.Timeout', 'States.HeartbeatTimeout'];

/** Step names the saga publisher receives in `event.step`. */
export type SagaStep =
  | 'reserveInventory'
  | 'processPayment'
  | 'confirmOrder'
  | 'refundCharge'
  | 'releaseStock'
  | 'failOrder'
  | 'flagNeedsAttention';

/** Failure reasons written to `$.failure.reason` (and published in OrderFailed). */
export type SagaFailureReason =
  | 'OUT_OF_STOCK'
  | 'UNKNOWN_SKU'
  | 'INVENTORY_TIMEOUT'
  | 'PAYMENT_DECLINED'
  | 'PAYMENT_TIMEOUT'
  | 'INTERNAL_ERROR';

/**
 * Steps that must happen whatever the outage: the compensations, and the plain steps that publish
 * the order's lifecycle (OrderConfirmed, OrderFailed, OrderNeedsAttention). Without them an
 * accepted order never reaches a final status, or keeps its charge or its reservation.
 */
export const MUST_HAPPEN_STEPS: readonly string[] = [
  'ConfirmOrder',
  'RefundCharge',
  'ReleaseStock',
  'FailOrder',
  'FlagNeedsAttention',
];

export interface OrderSagaProps {
  readonly config: StageConfig;
  /** The saga command publisher, invoked by every task. */
  readonly publisher: lambda.IFunction;
}

export class OrderSaga extends Construct {
  /** State machine name: `<namePrefix>-order-saga`. */
  static stateMachineName(config: StageConfig): string {
    return `${config.namePrefix}-order-saga`;
  }

  /**
   * The state machine ARN built from its name. Grants to the publisher and the services use it: the
   * state machine depends on the publisher's ARN, so a reference to the resource would be a cycle.
   */
  static stateMachineArn(scope: Construct, config: StageConfig): string {
    return Stack.of(scope).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: OrderSaga.stateMachineName(config),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Every execution of the saga (executions are named by order id at run time). */
  static executionArnPattern(scope: Construct, config: StageConfig): string {
    return Stack.of(scope).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${OrderSaga.stateMachineName(config)}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OrderSagaProps) {
    super(scope, id);
    const { config, publisher } = props;

    const retry = (state: tasks.LambdaInvoke, errors: readonly string[], policy: RetryPolicy): void => {
      state.addRetry({
        errors: [...errors],
        interval: Duration.seconds(policy.intervalSeconds),
        backoffRate: policy.backoffRate,
        maxAttempts: policy.maxAttempts,
        maxDelay: Duration.seconds(policy.maxDelaySeconds),
        jitterStrategy: sfn.JitterType.FULL,
      });
    };
    // A forward step's publish is retried for minutes, as a lifecycle event's is: an accepted order
    // does not fail because the broker is away, and ReserveInventory also publishes OrderPlaced.
    // A service's TransientFailure is retried for about a minute. The step's timeout is a result:
    // the whole pick-up budget passed with nobody taking the command, so the order fails.
    const retryForward = (state: tasks.LambdaInvoke): tasks.LambdaInvoke => {
      retry(state, PUBLISH_ERRORS, MUST_HAPPEN_RETRY);
      retry(state, ['TransientFailure'], FORWARD_TRANSIENT_RETRY);
      return state;
    };
    // A plain step that must happen (a lifecycle event) is retried for minutes, also after a
    // timeout: while the broker is away the publisher cannot publish.
    const retryPlainMustHappen = (state: tasks.LambdaInvoke): tasks.LambdaInvoke => {
      retry(state, [...TRANSIENT_ERRORS, ...TIMEOUT_ERRORS], MUST_HAPPEN_RETRY);
      return state;
    };
    // A compensation is retried for minutes after errors; after a timeout (a whole pick-up budget
    // with nobody taking the command) it is published once more before a person is asked to look.
    const retryCompensation = (state: tasks.LambdaInvoke): tasks.LambdaInvoke => {
      retry(state, TRANSIENT_ERRORS, MUST_HAPPEN_RETRY);
      state.addRetry({
        errors: [...TIMEOUT_ERRORS],
        interval: Duration.seconds(1),
        maxAttempts: COMPENSATION_TIMEOUT_RETRIES,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return state;
    };

    // No HeartbeatSeconds: a heartbeat window would have to be as long as the pick-up budget, since
    // nobody can send one before the command is taken. The services still call SendTaskHeartbeat
    // on pick-up to learn whether the saga still waits (a stale token is not acted on).
    const callbackStep = (stateName: string, step: CallbackStep, resultPath: string): tasks.LambdaInvoke =>
      new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: publisher,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({
          step,
          order: sfn.JsonPath.entirePayload,
          taskToken: sfn.JsonPath.taskToken,
        }),
        taskTimeout: sfn.Timeout.duration(Duration.seconds(callbackStepTimeoutSeconds(config, step))),
        // The answer goes beside the order, never over it: later steps still need the order fields.
        resultPath,
        retryOnServiceExceptions: false,
      });

    const plainStep = (stateName: string, step: SagaStep, withFailure: boolean): tasks.LambdaInvoke =>
      new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: publisher,
        payload: sfn.TaskInput.fromObject({
          step,
          order: sfn.JsonPath.entirePayload,
          ...(withFailure ? { failure: sfn.JsonPath.objectAt('$.failure') } : {}),
        }),
        taskTimeout: sfn.Timeout.duration(Duration.seconds(PLAIN_STEP_TIMEOUT_SECONDS)),
        // The publisher returns nothing the saga needs.
        resultPath: sfn.JsonPath.DISCARD,
        retryOnServiceExceptions: false,
      });

    const setReason = (stateName: string, reason: SagaFailureReason): sfn.Pass =>
      new sfn.Pass(this, stateName, {
        stateName,
        result: sfn.Result.fromObject({ reason }),
        resultPath: '$.failure',
      });
    const caught = { resultPath: '$.error' };

    // Terminal states. The happy path has none: ConfirmOrder ends the execution, because a Succeed
    // state after it would be one more billed state transition per order that decides nothing.
    const orderFailed = new sfn.Fail(this, 'OrderFailed', {
      stateName: 'OrderFailed',
      error: 'OrderFailed',
      cause: 'The order could not be completed; $.failure.reason in the execution history says why',
    });
    const compensationFailed = new sfn.Fail(this, 'CompensationFailed', {
      stateName: 'CompensationFailed',
      error: 'CompensationFailed',
      cause: 'A compensation failed after its retries; the order needs attention',
    });
    // Paid and stocked, but OrderConfirmed could not be published for minutes. Refunding now could
    // follow a confirmation that did reach the broker, so the order is left for a person, who
    // publishes the confirmation again (the event id is the order's, so it happens once).
    const confirmationUnpublished = new sfn.Fail(this, 'ConfirmationUnpublished', {
      stateName: 'ConfirmationUnpublished',
      error: 'ConfirmationUnpublished',
      cause: 'The order is charged and its stock reserved, but OrderConfirmed could not be published',
    });

    // Compensation chain: RefundCharge -> ReleaseStock -> FailOrder -> OrderFailed.
    const flagNeedsAttention = retryPlainMustHappen(
      plainStep('FlagNeedsAttention', 'flagNeedsAttention', true),
    );
    flagNeedsAttention.next(compensationFailed);
    const failOrder = retryPlainMustHappen(plainStep('FailOrder', 'failOrder', true));
    failOrder.addCatch(flagNeedsAttention, caught);
    failOrder.next(orderFailed);
    const releaseStock = retryCompensation(callbackStep('ReleaseStock', 'releaseStock', '$.results.release'));
    releaseStock.addCatch(flagNeedsAttention, caught);
    releaseStock.next(failOrder);
    const refundCharge = retryCompensation(callbackStep('RefundCharge', 'refundCharge', '$.results.refund'));
    refundCharge.addCatch(flagNeedsAttention, caught);
    refundCharge.next(releaseStock);

    // Forward path. ReserveInventory publishes OrderPlaced before its command, so the order's first
    // event costs no state transition of its own.
    const reserveInventory = retryForward(
      callbackStep('ReserveInventory', 'reserveInventory', '$.results.reservation'),
    );
    const processPayment = retryForward(
      callbackStep('ProcessPayment', 'processPayment', '$.results.payment'),
    );
    // Publishes OrderConfirmed once the stock is reserved and the card charged: from here the order
    // is the customer's, so the step is retried until the broker takes the event and never
    // compensated.
    const confirmOrder = retryPlainMustHappen(plainStep('ConfirmOrder', 'confirmOrder', false));

    reserveInventory
      .addCatch(setReason('ReasonOutOfStock', 'OUT_OF_STOCK').next(releaseStock), {
        ...caught,
        errors: ['OutOfStock'],
      })
      .addCatch(setReason('ReasonUnknownSku', 'UNKNOWN_SKU').next(releaseStock), {
        ...caught,
        errors: ['UnknownSku'],
      })
      // Minutes without a broker: neither OrderPlaced nor the command may have been published, so
      // the reason is the pipeline's, not the stock's; a reservation of an earlier attempt is
      // released.
      .addCatch(setReason('ReasonReservationUnpublished', 'INTERNAL_ERROR').next(releaseStock), {
        ...caught,
        errors: [...PUBLISH_ERRORS],
      })
      .addCatch(setReason('ReasonInventoryTimeout', 'INVENTORY_TIMEOUT').next(releaseStock), caught);
    processPayment
      .addCatch(setReason('ReasonPaymentDeclined', 'PAYMENT_DECLINED').next(refundCharge), {
        ...caught,
        errors: ['PaymentDeclined'],
      })
      .addCatch(setReason('ReasonPaymentTimeout', 'PAYMENT_TIMEOUT').next(refundCharge), {
        ...caught,
        errors: [PROCESSING_TIMEOUT_ERRORS.processPayment, ...TIMEOUT_ERRORS],
      })
      .addCatch(setReason('ReasonInternalError', 'INTERNAL_ERROR').next(refundCharge), caught);
    confirmOrder.addCatch(confirmationUnpublished, caught);

    const definition = reserveInventory.next(processPayment).next(confirmOrder);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // The vended-logs prefix keeps the log delivery resource policy small.
      logGroupName: `/aws/vendedlogs/states/${OrderSaga.stateMachineName(config)}`,
      retention: logRetention(config.logRetentionDays),
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeCheckovFinding(this.logGroup.node.defaultChild as CfnResource, [
      LOG_GROUP_KMS_ACKNOWLEDGEMENT,
    ]);

    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName: OrderSaga.stateMachineName(config),
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'Checkout saga: reserve stock, charge, confirm; compensate on failure',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // Bounded, above the longest path (every step retried to its end): an execution that timed
      // out would leave its order without a final status.
      timeout: Duration.minutes(Math.ceil(longestExecutionSeconds(config) / 60) + 5),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: config.sagaLogLevel === 'ALL' ? sfn.LogLevel.ALL : sfn.LogLevel.ERROR,
        includeExecutionData: config.sagaLogsIncludeExecutionData,
      },
    });
    if (config.sagaLogLevel !== 'ALL') {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason:
          'This stage logs the saga’s failures only: every step of every order is in the execution history, ' +
          'kept by Step Functions for 90 days, and in X-Ray; logging each state event too would be about ' +
          '10 log events per order at the design rate.',
      });
    }

    const publisherResource = publisher.node.defaultChild;
    if (publisherResource instanceof CfnResource) {
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(publisherResource).getLogicalId(publisherResource)}.Arn>:*]`,
        reason:
          'The Step Functions Lambda integration grants the publisher and its versions (`:*`), nothing else.',
      });
    }
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) for Step Functions ' +
        'do not support resource-level permissions.',
    });
  }
}
