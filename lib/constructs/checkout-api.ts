/**
 * The shop's public edge: a REST API with `POST /orders` and `GET /orders/{orderId}`, Cognito user
 * pool authorization (the customer id comes from the token), request validation against the same
 * zod schema the checkout handler uses, stage throttling, JSON access logs, X-Ray, and a WAF web ACL.
 */
import { type CfnResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { z } from 'zod';
import { placeOrderRequestSchema } from '../../lambdas/checkout/domain/place-order-request';
import { acknowledgeCheckovFinding, LOG_GROUP_KMS_ACKNOWLEDGEMENT } from '../checkov';
import type { StageConfig } from '../config/stages';
import { logRetention } from './pipeline-function';

/** Request header that makes `POST /orders` idempotent. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Response header of a refused `POST /orders` (503): seconds until the client may try again. */
export const RETRY_AFTER_HEADER = 'Retry-After';

/**
 * The `POST /orders` body as a draft-4 JSON schema (the draft API Gateway models use), produced from
 * the zod schema the checkout handler validates with, so both edges refuse the same input.
 */
export function placeOrderRequestJsonSchema(): apigateway.JsonSchema {
  return z.toJSONSchema(placeOrderRequestSchema, { target: 'draft-4' }) as unknown as apigateway.JsonSchema;
}

/** JSON schema of every error body: `{ "error": { "code", "message", "details" } }`. */
export const ERROR_BODY_SCHEMA: apigateway.JsonSchema = {
  schema: apigateway.JsonSchemaVersion.DRAFT4,
  title: 'Error',
  type: apigateway.JsonSchemaType.OBJECT,
  required: ['error'],
  properties: {
    error: {
      type: apigateway.JsonSchemaType.OBJECT,
      required: ['code', 'message'],
      properties: {
        code: { type: apigateway.JsonSchemaType.STRING },
        message: { type: apigateway.JsonSchemaType.STRING },
        details: {},
      },
    },
  },
};

/**
 * Body of the errors API Gateway answers itself (validation, authorization, throttling, WAF).
 * Gateway response templates are plain substitution, not VTL: `messageString` arrives quoted, and
 * the validation message is left out because it may contain unescaped quotes.
 */
export const GATEWAY_ERROR_TEMPLATE =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString,"details":[]}}';

/** AWS managed WAF rule groups in front of the API, in evaluation order. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
] as const;

export interface CheckoutApiProps {
  readonly config: StageConfig;
  /** Handles `POST /orders`. */
  readonly placeOrder: lambda.IFunction;
  /** Handles `GET /orders/{orderId}`. */
  readonly getOrder: lambda.IFunction;
}

export class CheckoutApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly webAcl: wafv2.CfnWebACL;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CheckoutApiProps) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `${config.namePrefix}-customers`,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: config.retainData,
      removalPolicy,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'Shoppers choose whether to enrol a TOTP factor (MFA optional): forcing MFA on every customer loses ' +
        'checkouts. The PLUS plan with threat protection enforced adds adaptive authentication instead.',
    });

    this.userPoolClient = this.userPool.addClient('WebClient', {
      userPoolClientName: `${config.namePrefix}-web`,
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: logRetention(config.logRetentionDays),
      removalPolicy,
    });
    acknowledgeCheckovFinding(this.accessLogGroup.node.defaultChild as CfnResource, [
      LOG_GROUP_KMS_ACKNOWLEDGEMENT,
    ]);

    this.api = new apigateway.RestApi(this, 'Resource', {
      restApiName: `${config.namePrefix}-checkout`,
      description: 'Checkout: place an order, read its status',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // The stage's access logs need the account's API Gateway CloudWatch role (AWS::ApiGateway::Account):
      // without it the stage fails to deploy. The setting is one per account and region; every stage
      // sets an equivalent role, and both the role and the setting are RETAINED, so deleting one stage
      // never leaves another stage in the same account pointing at a deleted role.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: config.stage,
        throttlingRateLimit: config.apiThrottle.rateLimit,
        throttlingBurstLimit: config.apiThrottle.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    acknowledgeCheckovFinding(this.api.deploymentStage.node.defaultChild as CfnResource, [
      {
        id: 'CKV_AWS_120',
        reason:
          'Nothing to cache: POST /orders must reach checkout every time, and GET /orders/{orderId} answers per ' +
          'customer with a status that changes within seconds; a cache keyed without the token could leak orders.',
      },
    ]);
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logs would go to a log group API Gateway creates itself, without retention, and can carry ' +
        'request data; JSON access logs, X-Ray traces and the handlers’ structured logs cover each request.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The API Gateway account CloudWatch role needs exactly the log actions of this AWS managed policy, on log ' +
        'groups API Gateway names itself; it is the policy the API Gateway guide prescribes for the role.',
    });

    for (const [id, type] of [
      ['Default4xx', apigateway.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigateway.ResponseType.DEFAULT_5XX],
    ] as const) {
      this.api.addGatewayResponse(id, {
        type,
        responseHeaders: { 'Content-Type': "'application/json'" },
        templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
      });
    }

    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      authorizerName: 'customers',
      cognitoUserPools: [this.userPool],
      identitySource: apigateway.IdentitySource.header('Authorization'),
    });
    const validator = this.api.addRequestValidator('BodyAndParameters', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const placeOrderModel = this.api.addModel('PlaceOrderRequest', {
      modelName: 'PlaceOrderRequest',
      contentType: 'application/json',
      description: 'Body of POST /orders (generated from the checkout zod schema)',
      schema: placeOrderRequestJsonSchema(),
    });
    const errorModel = this.api.addModel('ErrorResponse', {
      modelName: 'ErrorResponse',
      contentType: 'application/json',
      schema: ERROR_BODY_SCHEMA,
    });
    const errorResponses = (codes: readonly string[]): apigateway.MethodResponse[] =>
      codes.map((statusCode) => ({ statusCode, responseModels: { 'application/json': errorModel } }));

    const orders = this.api.root.addResource('orders');
    orders.addMethod('POST', new apigateway.LambdaIntegration(props.placeOrder, { proxy: true }), {
      operationName: 'PlaceOrder',
      authorizer,
      authorizationType: apigateway.AuthorizationType.COGNITO,
      requestValidator: validator,
      requestModels: { 'application/json': placeOrderModel },
      requestParameters: { [`method.request.header.${IDEMPOTENCY_KEY_HEADER}`]: false },
      methodResponses: [
        {
          statusCode: '202',
          responseParameters: { 'method.response.header.Location': true },
          responseModels: { 'application/json': apigateway.Model.EMPTY_MODEL },
        },
        ...errorResponses(['400', '401', '403', '409', '422', '429', '500']),
        {
          // Checkout's admission control: the pipeline is at capacity, nothing was taken.
          statusCode: '503',
          responseParameters: { [`method.response.header.${RETRY_AFTER_HEADER}`]: true },
          responseModels: { 'application/json': errorModel },
        },
      ],
    });

    const order = orders.addResource('{orderId}');
    order.addMethod('GET', new apigateway.LambdaIntegration(props.getOrder, { proxy: true }), {
      operationName: 'GetOrder',
      authorizer,
      authorizationType: apigateway.AuthorizationType.COGNITO,
      requestValidator: validator,
      requestParameters: { 'method.request.path.orderId': true },
      methodResponses: [
        { statusCode: '200', responseModels: { 'application/json': apigateway.Model.EMPTY_MODEL } },
        ...errorResponses(['400', '401', '403', '404', '429', '500']),
      ],
    });

    this.webAcl = this.createWebAcl(config);
    // The stage ARN references the stage, so the association waits for it.
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  private createWebAcl(config: StageConfig): wafv2.CfnWebACL {
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managedRules: wafv2.CfnWebACL.RuleProperty[] = MANAGED_RULE_GROUPS.map((name, priority) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    }));
    return new wafv2.CfnWebACL(this, 'WebAcl', {
      name: `${config.namePrefix}-checkout`,
      description: 'Checkout API: AWS managed rules and a per-IP rate limit',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${config.namePrefix}-checkout`),
      rules: [
        ...managedRules,
        {
          name: 'RateLimitPerIp',
          priority: managedRules.length,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: config.wafRateLimitPer5Min,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
      ],
    });
  }
}
