import { CfnOutput, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { ADMISSION_ENV } from '../lambdas/checkout/handlers/runtime-names';
import {
  CONSUMERS,
  type ConsumerName,
  checkConsumerMappings,
  mappingDeclarationsOf,
  sagaCommandMappings,
} from './config/consumers';
import {
  type FunctionSpec,
  INVOKED_FUNCTIONS,
  SETTING_ENV_VARS,
  TABLE_ENV_VARS,
  type TableAccess,
  type TableName,
} from './config/functions';
import { OPERATOR_OUTPUTS, pascal } from './config/operator-outputs';
import type { StageConfig } from './config/stages';
import { CheckoutApi } from './constructs/checkout-api';
import {
  grantKafkaLagRead,
  grantKafkaProduce,
  KafkaConsumer,
  type MskClusterRef,
} from './constructs/kafka-consumer';
import { OrderSaga } from './constructs/order-saga';
import { PipelineFunction, type PipelineFunctionNetwork } from './constructs/pipeline-function';
import { PipelineObservability } from './constructs/pipeline-observability';
import { TABLE_SPECS } from './constructs/pipeline-tables';
import type { DataStack } from './data-stack';

export interface AppStackProps extends StackProps {
  readonly config: StageConfig;
  readonly data: DataStack;
  /**
   * The address the notification consumer sends from; the stack creates its SES e-mail address
   * identity, which someone must verify with the link SES mails to it.
   * @default the `senderEmail` context value, else `PLACEHOLDER_SENDER_EMAIL`
   */
  readonly senderEmail?: string;
  /**
   * Whether the stack being updated still has the event source mappings that shared one consumer
   * group across topics. The replacing mappings then invoke their functions through an alias for
   * the one deployment that creates them next to the old ones (docs/infrastructure.md, "Moving
   * mappings to their own consumer groups"); the next deployment without it points them back at
   * the functions in place.
   * @default the `replaceSharedConsumerGroups` context value (`true`), else false
   */
  readonly replaceSharedConsumerGroups?: boolean;
}

/**
 * Sender when none is configured, so `cdk synth` works without context. Nobody can verify an
 * example.com address, so in AWS every e-mail then goes to the dead-letter topic as
 * SENDER_NOT_VERIFIED: deploy with `-c senderEmail=<an address of the shop>`.
 */
export const PLACEHOLDER_SENDER_EMAIL = 'orders@example.com';

/** Context value that turns on the migration from shared consumer groups (see the prop). */
export const REPLACE_SHARED_CONSUMER_GROUPS_CONTEXT = 'replaceSharedConsumerGroups';

/**
 * The application half of the pipeline: the functions, the MSK event source mappings, the saga,
 * the checkout API and the dashboard with its alarms. Everything stateful lives in the DataStack.
 */
export class AppStack extends Stack {
  readonly checkout: PipelineFunction;
  readonly getOrder: PipelineFunction;
  readonly sagaPublisher: PipelineFunction;
  readonly consumers: readonly KafkaConsumer[];
  readonly saga: OrderSaga;
  readonly api: CheckoutApi;
  readonly observability: PipelineObservability;
  /** The SES identity of the sender address; e-mails fail until it is verified. */
  readonly senderIdentity: ses.EmailIdentity;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    const { config, data } = props;
    const tables = data.tables as unknown as Readonly<Record<TableName, dynamodb.ITable>>;
    const cluster: MskClusterRef = { clusterArn: data.clusterArn, clusterName: data.clusterName };
    const network: PipelineFunctionNetwork = {
      vpc: data.vpc,
      securityGroup: data.lambdaSecurityGroup,
      subnets: data.privateSubnets,
    };
    const sagaArn = OrderSaga.stateMachineArn(this, config);
    const idempotencyTtlSeconds = String(config.idempotencyTtlHours * 60 * 60);
    const senderEmail: string =
      props.senderEmail ?? this.node.tryGetContext('senderEmail') ?? PLACEHOLDER_SENDER_EMAIL;
    const replaceSharedConsumerGroups =
      props.replaceSharedConsumerGroups ??
      String(this.node.tryGetContext(REPLACE_SHARED_CONSUMER_GROUPS_CONTEXT)) === 'true';

    const grantTables = (fn: PipelineFunction, spec: FunctionSpec): void => {
      for (const [name, level] of Object.entries(spec.tables) as [TableName, TableAccess][]) {
        grantTableAccess(fn.role, tables[name], name, level);
        data.encryptionKey.grant(fn.role, ...TABLE_KEY_ACTIONS[level]);
        fn.addEnvironment(TABLE_ENV_VARS[name], tables[name].tableName);
        if (name === 'idempotency') {
          fn.addEnvironment(SETTING_ENV_VARS.idempotencyTtlSeconds, idempotencyTtlSeconds);
        }
      }
    };
    // By ARN rather than through the state machine: it already depends on the publisher.
    const grantSagaCallbacks = (fn: PipelineFunction): void => {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AnswerSagaTasks',
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [sagaArn],
        }),
      );
    };

    // Saga command publisher: every task of the state machine invokes it.
    this.sagaPublisher = new PipelineFunction(this, 'SagaPublisher', {
      config,
      spec: INVOKED_FUNCTIONS.sagaPublisher,
      network,
      environment: { [SETTING_ENV_VARS.mskClusterArn]: cluster.clusterArn },
    });
    // It answers no task token: the services do, and its own steps end when the publish is acknowledged.
    grantKafkaProduce(this, this.sagaPublisher.role, cluster, INVOKED_FUNCTIONS.sagaPublisher.publishesTo);

    this.saga = new OrderSaga(this, 'OrderSaga', { config, publisher: this.sagaPublisher.function });

    // Address identity rather than domain identity: creating it needs no DNS access, and SES
    // verifies it by a link mailed to the address. DKIM then comes from SES's own domain; a shop
    // whose domain publishes DMARC verifies the domain instead (docs/infrastructure.md, "E-mail").
    this.senderIdentity = new ses.EmailIdentity(this, 'SenderIdentity', {
      identity: ses.Identity.email(senderEmail),
    });

    // Lambda refuses these at deployment, after the slow stack had started: refuse them at synthesis.
    checkConsumerMappings(mappingDeclarationsOf(CONSUMERS));
    this.consumers = CONSUMERS.map((spec) => {
      const consumer = new KafkaConsumer(this, consumerConstructId(spec.name), {
        config,
        spec,
        cluster,
        network,
        environment: spec.sendsEmail
          ? { [SETTING_ENV_VARS.emailTransport]: 'ses', [SETTING_ENV_VARS.senderEmail]: senderEmail }
          : undefined,
        invokeThroughMigrationAlias: replaceSharedConsumerGroups,
      });
      grantTables(consumer.pipelineFunction, spec);
      if (spec.sagaRole === 'service') {
        grantSagaCallbacks(consumer.pipelineFunction);
      }
      if (spec.sendsEmail) {
        consumer.pipelineFunction.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'SendEmailFromSender',
            actions: ['ses:SendEmail'],
            // SES authorizes a send against the address identity, or the domain's when that is verified.
            resources: [
              this.senderIdentity.emailIdentityArn,
              sesIdentityArn(this, senderEmail.split('@')[1] ?? senderEmail),
            ],
          }),
        );
      }
      return consumer;
    });

    // In the VPC since it reads the saga services' consumer lag from the brokers (admission control);
    // its other calls (DynamoDB, Step Functions, GetBootstrapBrokers, X-Ray) have VPC endpoints.
    this.checkout = new PipelineFunction(this, 'Checkout', {
      config,
      spec: INVOKED_FUNCTIONS.checkout,
      network,
      environment: {
        [SETTING_ENV_VARS.stateMachineArn]: this.saga.stateMachine.stateMachineArn,
        [SETTING_ENV_VARS.mskClusterArn]: cluster.clusterArn,
        [ADMISSION_ENV.maxCommandBacklog]: String(config.admission.maxCommandBacklog),
        [ADMISSION_ENV.retryAfterSeconds]: String(config.admission.retryAfterSeconds),
      },
    });
    grantTables(this.checkout, INVOKED_FUNCTIONS.checkout);
    grantKafkaLagRead(this, this.checkout.role, cluster, sagaCommandMappings());
    this.saga.stateMachine.grantStartExecution(this.checkout.role);
    // A repeated checkout finds the execution of the first one (the execution name is the order id).
    this.checkout.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeSagaExecutions',
        actions: ['states:DescribeExecution'],
        resources: [OrderSaga.executionArnPattern(this, config)],
      }),
    );
    Validations.of(this.checkout.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${OrderSaga.stateMachineName(config)}:*]`,
      reason:
        'Executions of the saga are named by order id at run time; the grant is limited to this state machine.',
    });

    this.getOrder = new PipelineFunction(this, 'GetOrder', {
      config,
      spec: INVOKED_FUNCTIONS.getOrder,
      memorySize: 256,
    });
    grantTables(this.getOrder, INVOKED_FUNCTIONS.getOrder);

    this.api = new CheckoutApi(this, 'CheckoutApi', {
      config,
      placeOrder: this.checkout.function,
      getOrder: this.getOrder.function,
    });

    this.observability = new PipelineObservability(this, 'Observability', {
      config,
      clusterName: data.clusterName,
      consumers: this.consumers.map((consumer) => ({
        spec: consumer.spec,
        fn: consumer.fn,
        mappings: consumer.mappings,
        deadLetterTopic: consumer.deadLetterTopic,
      })),
      stateMachine: this.saga.stateMachine,
      api: this.api.api,
      alarmTopic: data.alarmTopic,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Checkout API base URL' });
    new CfnOutput(this, OPERATOR_OUTPUTS.stateMachine, { value: this.saga.stateMachine.stateMachineArn });
    new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.api.userPoolClient.userPoolClientId });
    // What the operator tools (npm run dlq, npm run order) look up by name; the local mode
    // resolves the same outputs, so the tools read them the same way locally and on AWS.
    new CfnOutput(this, OPERATOR_OUTPUTS.ordersTable, { value: data.tables.orders.tableName });
    new CfnOutput(this, OPERATOR_OUTPUTS.kafkaCluster, { value: data.clusterArn });
    for (const consumer of this.consumers) {
      new CfnOutput(this, OPERATOR_OUTPUTS.functionName(consumer.spec.name), {
        value: consumer.fn.functionName,
      });
    }
    new CfnOutput(this, 'SenderEmailIdentity', {
      value: this.senderIdentity.emailIdentityName,
      description:
        'SES identity the notification e-mails come from: open the verification link SES mailed to it, and ask for SES production access so customers need no verification',
    });
  }
}

/** `inventoryService` -> `InventoryServiceConsumer`: stable construct ids, never renamed once deployed. */
export function consumerConstructId(name: ConsumerName): string {
  return `${pascal(name)}Consumer`;
}

/** DynamoDB actions per access level: no Scan, no table management. */
export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
  ],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
};

/**
 * Grants one table and its named indexes (not `index/*`, as the CDK grants do), so every resource
 * of the statement is exact.
 */
/** KMS actions on the tables' customer key per access level (exact, where CDK grants use wildcards). */
export const TABLE_KEY_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['kms:Decrypt', 'kms:DescribeKey'],
  readWrite: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

function grantTableAccess(
  role: iam.IRole,
  table: dynamodb.ITable,
  name: TableName,
  access: TableAccess,
): void {
  const indexes = (TABLE_SPECS[name].globalSecondaryIndexes ?? []).map(
    (index) => `${table.tableArn}/index/${index.indexName}`,
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [...TABLE_ACTIONS[access]],
      resources: [table.tableArn, ...indexes],
    }),
  );
}

function sesIdentityArn(scope: Construct, identity: string): string {
  return Stack.of(scope).formatArn({ service: 'ses', resource: 'identity', resourceName: identity });
}
