/**
 * The checkout saga: a Standard state machine (JSONPath only: no JSONata, no Assign, so the local
 * emulator runs the very same definition) that publishes each command through the saga publisher
 * and waits for the service's answer on the task token. Failures run the compensations of the
 * steps already taken; a compensation that fails for good is flagged and alarmed.
 *
 * The module also exports `sagaDefinitionFromTemplate`, which the local mode and the tests use to
 * read the definition back from the synthesized template.
 */
import { ArnFormat, CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeCheckovFinding, LOG_GROUP_KMS_ACKNOWLEDGEMENT } from '../checkov';
import type { StageConfig } from '../config/stages';
import { logRetention } from './pipeline-function';

/** Errors of the Lambda service and of our services that are worth another attempt. */
export const TRANSIENT_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  // The publisher ran out of time (a broker that does not answer keeps the producer retrying).
  'Sandbox.Timedout',
  // The broker did not acknowledge the command; the producer is idempotent, publishing again is safe.
  'EventPublishError',
  'TransientFailure',
];

/** A task that timed out, by its overall timeout or by a missed heartbeat. */
export const TIMEOUT_ERRORS: readonly string[] = ['States.Timeout', 'States.HeartbeatTimeout'];

/** Step names the saga publisher receives in `event.step`. */
export type SagaStep =
  | 'placeOrder'
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
  | 'INTERNAL_ERROR'
  | 'CONFIRMATION_FAILED';

/** Seconds a callback step may take, and how often the service must show it is alive. */
export const STEP_TIMEOUTS = {
  reserveInventory: { timeoutSeconds: 5, heartbeatSeconds: 4 },
  processPayment: { timeoutSeconds: 10, heartbeatSeconds: 8 },
  confirmOrder: { timeoutSeconds: 3, heartbeatSeconds: 2 },
  refundCharge: { timeoutSeconds: 10, heartbeatSeconds: 8 },
  releaseStock: { timeoutSeconds: 5, heartbeatSeconds: 4 },
} as const satisfies Partial<Record<SagaStep, { timeoutSeconds: number; heartbeatSeconds: number }>>;

/** Timeout of a plain (fire-and-forget) publisher invocation. */
const PLAIN_INVOKE_TIMEOUT = Duration.seconds(10);

/**
 * Steps that must happen whatever the outage: the compensations, and the plain steps that publish
 * the order's lifecycle (OrderPlaced, OrderFailed, OrderNeedsAttention). Without them an accepted
 * order never reaches a final status, or keeps its charge or its reservation.
 */
export const MUST_HAPPEN_STEPS: readonly string[] = [
  'PlaceOrder',
  'RefundCharge',
  'ReleaseStock',
  'FailOrder',
  'FlagNeedsAttention',
];

/**
 * Retry of the steps that must happen: also after a timeout, and for minutes. Waits of up to
 * 2, 4, 8, 16, 32 and then 60 s (full jitter: about half of it on average), so the twelve retries
 * span about four minutes plus one step timeout each: longer than a broker restart with its
 * consumer groups rejoining (RELIABILITY.md, scenarios 2 and 4), before a person is asked to look.
 */
export const MUST_HAPPEN_RETRY = {
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 12,
  maxDelaySeconds: 60,
} as const;

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
    const { publisher } = props;

    const retryTransient = (state: tasks.LambdaInvoke): tasks.LambdaInvoke => {
      state.addRetry({
        errors: [...TRANSIENT_ERRORS],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 3,
        maxDelay: Duration.seconds(5),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return state;
    };
    // A compensation or a lifecycle event must happen: retried for minutes, and also after a timeout
    // (unlike ReserveInventory, ProcessPayment and ConfirmOrder, where a timeout is a result). While
    // the broker is away the publisher cannot publish, and a plain step that gave up after one
    // timeout left its order without OrderFailed (RELIABILITY.md, scenario 2).
    const retryMustHappen = (state: tasks.LambdaInvoke): tasks.LambdaInvoke => {
      state.addRetry({
        errors: [...TRANSIENT_ERRORS, ...TIMEOUT_ERRORS],
        interval: Duration.seconds(MUST_HAPPEN_RETRY.intervalSeconds),
        backoffRate: MUST_HAPPEN_RETRY.backoffRate,
        maxAttempts: MUST_HAPPEN_RETRY.maxAttempts,
        maxDelay: Duration.seconds(MUST_HAPPEN_RETRY.maxDelaySeconds),
        jitterStrategy: sfn.JitterType.FULL,
      });
      return state;
    };

    const callbackStep = (
      stateName: string,
      step: keyof typeof STEP_TIMEOUTS,
      resultPath: string,
    ): tasks.LambdaInvoke =>
      new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: publisher,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({
          step,
          order: sfn.JsonPath.entirePayload,
          taskToken: sfn.JsonPath.taskToken,
        }),
        taskTimeout: sfn.Timeout.duration(Duration.seconds(STEP_TIMEOUTS[step].timeoutSeconds)),
        heartbeatTimeout: sfn.Timeout.duration(Duration.seconds(STEP_TIMEOUTS[step].heartbeatSeconds)),
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
        taskTimeout: sfn.Timeout.duration(PLAIN_INVOKE_TIMEOUT),
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

    // Terminal states.
    const orderConfirmed = new sfn.Succeed(this, 'OrderConfirmed', { stateName: 'OrderConfirmed' });
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

    // Compensation chain: RefundCharge -> ReleaseStock -> FailOrder -> OrderFailed.
    const flagNeedsAttention = retryMustHappen(plainStep('FlagNeedsAttention', 'flagNeedsAttention', true));
    flagNeedsAttention.next(compensationFailed);
    const failOrder = retryMustHappen(plainStep('FailOrder', 'failOrder', true));
    failOrder.addCatch(flagNeedsAttention, caught);
    failOrder.next(orderFailed);
    const releaseStock = retryMustHappen(callbackStep('ReleaseStock', 'releaseStock', '$.results.release'));
    releaseStock.addCatch(flagNeedsAttention, caught);
    releaseStock.next(failOrder);
    const refundCharge = retryMustHappen(callbackStep('RefundCharge', 'refundCharge', '$.results.refund'));
    refundCharge.addCatch(flagNeedsAttention, caught);
    refundCharge.next(releaseStock);

    // Forward path.
    const placeOrder = retryMustHappen(plainStep('PlaceOrder', 'placeOrder', false));
    const reserveInventory = retryTransient(
      callbackStep('ReserveInventory', 'reserveInventory', '$.results.reservation'),
    );
    const processPayment = retryTransient(
      callbackStep('ProcessPayment', 'processPayment', '$.results.payment'),
    );
    const confirmOrder = retryTransient(
      callbackStep('ConfirmOrder', 'confirmOrder', '$.results.confirmation'),
    );

    placeOrder.addCatch(setReason('PlaceOrderFailed', 'INTERNAL_ERROR').next(failOrder), caught);
    reserveInventory
      .addCatch(setReason('ReasonOutOfStock', 'OUT_OF_STOCK').next(releaseStock), {
        ...caught,
        errors: ['OutOfStock'],
      })
      .addCatch(setReason('ReasonUnknownSku', 'UNKNOWN_SKU').next(releaseStock), {
        ...caught,
        errors: ['UnknownSku'],
      })
      .addCatch(setReason('ReasonInventoryTimeout', 'INVENTORY_TIMEOUT').next(releaseStock), caught);
    processPayment
      .addCatch(setReason('ReasonPaymentDeclined', 'PAYMENT_DECLINED').next(refundCharge), {
        ...caught,
        errors: ['PaymentDeclined'],
      })
      .addCatch(setReason('ReasonPaymentTimeout', 'PAYMENT_TIMEOUT').next(refundCharge), {
        ...caught,
        errors: [...TIMEOUT_ERRORS],
      })
      .addCatch(setReason('ReasonInternalError', 'INTERNAL_ERROR').next(refundCharge), caught);
    confirmOrder.addCatch(
      setReason('ReasonConfirmationFailed', 'CONFIRMATION_FAILED').next(refundCharge),
      caught,
    );

    const definition = placeOrder
      .next(reserveInventory)
      .next(processPayment)
      .next(confirmOrder)
      .next(orderConfirmed);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // The vended-logs prefix keeps the log delivery resource policy small.
      logGroupName: `/aws/vendedlogs/states/${OrderSaga.stateMachineName(props.config)}`,
      retention: logRetention(props.config.logRetentionDays),
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeCheckovFinding(this.logGroup.node.defaultChild as CfnResource, [
      LOG_GROUP_KMS_ACKNOWLEDGEMENT,
    ]);

    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName: OrderSaga.stateMachineName(props.config),
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'Checkout saga: reserve stock, charge, confirm; compensate on failure',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      // Bounded: every step has a timeout. The worst case, PlaceOrder, RefundCharge, ReleaseStock,
      // FailOrder and FlagNeedsAttention each retried to the end, is about 52 minutes; an execution
      // that timed out would leave its order without a final status, so the bound stays above it.
      timeout: Duration.hours(1),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        includeExecutionData: props.config.sagaLogsIncludeExecutionData,
      },
    });

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

// ---------------------------------------------------------------------------------------------
// Reading the definition back from a synthesized template (pure; used by the local mode and tests)

/** Resolves one CloudFormation intrinsic (`{ Ref }`, `{ 'Fn::GetAtt' }`, ...) to a string. */
export type IntrinsicResolver = (intrinsic: Readonly<Record<string, unknown>>) => string;

/** Stand-ins for pseudo parameters and ARNs when no real account is involved. */
export const LOCAL_ACCOUNT = { partition: 'aws', region: 'us-east-1', accountId: '000000000000' } as const;

/**
 * The default resolver: pseudo parameters become LOCAL_ACCOUNT values, `{ Ref: X }` becomes `X`,
 * and `Fn::GetAtt [X, 'Arn']` becomes a Lambda function ARN named by the logical id X (the only ARNs
 * in the saga definition are the publisher's). Anything else is rejected with the value received.
 */
export function localIntrinsicResolver(intrinsic: Readonly<Record<string, unknown>>): string {
  const ref = intrinsic.Ref;
  if (typeof ref === 'string') {
    const pseudo: Record<string, string> = {
      'AWS::Partition': LOCAL_ACCOUNT.partition,
      'AWS::Region': LOCAL_ACCOUNT.region,
      'AWS::AccountId': LOCAL_ACCOUNT.accountId,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return pseudo[ref] ?? ref;
  }
  const getAtt = intrinsic['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt.length === 2 && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') {
    const { partition, region, accountId } = LOCAL_ACCOUNT;
    return `arn:${partition}:lambda:${region}:${accountId}:function:${getAtt[0]}`;
  }
  throw new Error(`Cannot resolve CloudFormation intrinsic ${JSON.stringify(intrinsic)}`);
}

/** Renders a CloudFormation string value (a literal or an `Fn::Join` of parts) with `resolve` for the tokens. */
export function renderCfnString(value: unknown, resolve: IntrinsicResolver = localIntrinsicResolver): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`Expected a CloudFormation string, got ${JSON.stringify(value)}`);
  }
  const record = value as Record<string, unknown>;
  const join = record['Fn::Join'];
  if (join !== undefined) {
    if (!Array.isArray(join) || join.length !== 2 || typeof join[0] !== 'string' || !Array.isArray(join[1])) {
      throw new Error(`Malformed Fn::Join ${JSON.stringify(join)}`);
    }
    const [separator, parts] = join as [string, unknown[]];
    return parts.map((part) => renderCfnString(part, resolve)).join(separator);
  }
  return resolve(record);
}

/** A state of the saga as Amazon States Language (JSONPath); only what readers of it rely on is typed. */
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly [field: string]: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly [field: string]: unknown;
}

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** The logical id of the saga state machine in a synthesized template (the only state machine in it). */
export function findSagaStateMachineLogicalId(template: unknown): string {
  const resources = (template as { Resources?: Record<string, TemplateResource> } | null)?.Resources ?? {};
  const ids = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
    .map(([logicalId]) => logicalId);
  if (ids.length !== 1) {
    throw new Error(
      `Expected exactly one AWS::StepFunctions::StateMachine in the template, found ${ids.length}`,
    );
  }
  return ids[0]!;
}

/**
 * The saga's ASL as a JSON object, rendered from a synthesized template (`cdk.out/<stack>.template.json`
 * or `Template.toJSON()`), with CloudFormation tokens resolved by `resolve`.
 */
export function sagaDefinitionFromTemplate(
  template: unknown,
  resolve: IntrinsicResolver = localIntrinsicResolver,
): AslDefinition {
  const logicalId = findSagaStateMachineLogicalId(template);
  const resource = (template as { Resources: Record<string, TemplateResource> }).Resources[logicalId]!;
  const definition = JSON.parse(
    renderCfnString(resource.Properties?.DefinitionString, resolve),
  ) as AslDefinition;
  if (typeof definition.StartAt !== 'string' || typeof definition.States !== 'object') {
    throw new Error(`State machine ${logicalId} has no StartAt/States`);
  }
  return definition;
}
