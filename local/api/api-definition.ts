/**
 * Reads the REST API of the synthesized template: routes (resource paths built from the
 * AWS::ApiGateway::Resource tree), each method's Lambda proxy target, authorizer, request models,
 * validator and required parameters; the stage's throttling; the gateway responses.
 */
import { type CfnResource, type CfnTemplate, isRecord, resourcesOfType } from '../runtime/cfn-template';
import { TemplateReadError } from '../runtime/errors';

export type AuthorizationType = 'NONE' | 'COGNITO_USER_POOLS' | 'AWS_IAM' | 'CUSTOM';

export interface RequiredParameters {
  readonly header: readonly string[];
  readonly querystring: readonly string[];
  readonly path: readonly string[];
}

export interface ApiRoute {
  readonly methodLogicalId: string;
  readonly httpMethod: string;
  /** e.g. `/orders/{orderId}` */
  readonly resourcePath: string;
  readonly resourceLogicalId: string;
  /** Lambda proxy target; undefined for MOCK and other integrations. */
  readonly functionLogicalId: string | undefined;
  readonly integrationType: string;
  readonly authorizationType: AuthorizationType;
  /** JSON schemas by content type. */
  readonly requestModels: Readonly<Record<string, Record<string, unknown>>>;
  readonly validateBody: boolean;
  readonly validateParameters: boolean;
  readonly requiredParameters: RequiredParameters;
}

export interface Throttle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Bucket size. */
  readonly burstLimit: number;
}

export interface GatewayResponseDefinition {
  readonly statusCode: number | undefined;
  /** Header name -> value (the template's quoted literals, unquoted). */
  readonly headers: Readonly<Record<string, string>>;
  /** Body template for application/json, if any. */
  readonly template: string | undefined;
}

export interface ApiDefinition {
  readonly restApiLogicalId: string;
  readonly stageName: string;
  readonly routes: readonly ApiRoute[];
  /** Stage-wide throttle (`/*` `*` method setting), if the stage sets one. */
  readonly stageThrottle: Throttle | undefined;
  /** Throttles of single methods, keyed `<METHOD> <resourcePath>`. */
  readonly methodThrottles: Readonly<Record<string, Throttle>>;
  readonly gatewayResponses: Readonly<Record<string, GatewayResponseDefinition>>;
}

export function readApiDefinition(template: CfnTemplate): ApiDefinition {
  const apis = resourcesOfType(template, 'AWS::ApiGateway::RestApi');
  if (apis.length === 0) throw new TemplateReadError('The template has no AWS::ApiGateway::RestApi');
  if (apis.length > 1) {
    throw new TemplateReadError(
      `The template has ${apis.length} REST APIs; the local mode serves exactly one`,
    );
  }
  const [restApiLogicalId] = apis[0]!;
  const belongs = (resource: CfnResource) => refOf(resource.Properties?.RestApiId) === restApiLogicalId;

  const paths = new Map<string, string>();
  const resourcePath = (logicalId: string, seen: string[] = []): string => {
    const known = paths.get(logicalId);
    if (known !== undefined) return known;
    const resource = template.Resources[logicalId];
    if (resource?.Type !== 'AWS::ApiGateway::Resource' || seen.includes(logicalId)) {
      throw new TemplateReadError(`API resource '${logicalId}' is missing or part of a cycle`);
    }
    const parent = resource.Properties?.ParentId;
    const parentPath = isRootRef(parent, restApiLogicalId)
      ? ''
      : resourcePath(refOf(parent) ?? '', [...seen, logicalId]);
    const path = `${parentPath}/${String(resource.Properties?.PathPart)}`;
    paths.set(logicalId, path);
    return path;
  };

  const routes = resourcesOfType(template, 'AWS::ApiGateway::Method')
    .filter(([, method]) => belongs(method))
    .map(([methodLogicalId, method]) =>
      readRoute(template, methodLogicalId, method, restApiLogicalId, resourcePath),
    );

  const stages = resourcesOfType(template, 'AWS::ApiGateway::Stage').filter(([, stage]) => belongs(stage));
  const stageProperties = stages[0]?.[1].Properties ?? {};
  const { stageThrottle, methodThrottles } = readThrottles(stageProperties.MethodSettings);

  const gatewayResponses: Record<string, GatewayResponseDefinition> = {};
  for (const [, response] of resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse').filter(([, r]) =>
    belongs(r),
  )) {
    const properties = response.Properties ?? {};
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(
      (properties.ResponseParameters as Record<string, unknown>) ?? {},
    )) {
      const name = key.replace(/^gatewayresponse\.header\./, '');
      if (typeof value === 'string') headers[name] = value.replace(/^'(.*)'$/, '$1');
    }
    const templates = (properties.ResponseTemplates as Record<string, unknown> | undefined) ?? {};
    gatewayResponses[String(properties.ResponseType)] = {
      statusCode: properties.StatusCode === undefined ? undefined : Number(properties.StatusCode),
      headers,
      template: typeof templates['application/json'] === 'string' ? templates['application/json'] : undefined,
    };
  }

  return {
    restApiLogicalId,
    stageName: typeof stageProperties.StageName === 'string' ? stageProperties.StageName : 'prod',
    routes,
    stageThrottle,
    methodThrottles,
    gatewayResponses,
  };
}

function readRoute(
  template: CfnTemplate,
  methodLogicalId: string,
  method: CfnResource,
  restApiLogicalId: string,
  resourcePath: (logicalId: string) => string,
): ApiRoute {
  const properties = method.Properties ?? {};
  const resourceId = properties.ResourceId;
  const resourceLogicalId = isRootRef(resourceId, restApiLogicalId)
    ? restApiLogicalId
    : (refOf(resourceId) ?? '');
  const path = resourceLogicalId === restApiLogicalId ? '/' : resourcePath(resourceLogicalId);
  const integration = isRecord(properties.Integration) ? properties.Integration : {};
  const validator = template.Resources[refOf(properties.RequestValidatorId) ?? '']?.Properties ?? {};
  const requestModels: Record<string, Record<string, unknown>> = {};
  for (const [contentType, modelRef] of Object.entries(
    (properties.RequestModels as Record<string, unknown>) ?? {},
  )) {
    const modelName = refOf(modelRef) ?? (typeof modelRef === 'string' ? modelRef : '');
    const model = template.Resources[modelName];
    if (model?.Type !== 'AWS::ApiGateway::Model') {
      // API Gateway refuses a method whose model does not exist; skipping it would skip validation.
      throw new TemplateReadError(
        `${methodLogicalId}.RequestModels['${contentType}']: no AWS::ApiGateway::Model '${modelName}' in the template, received ${JSON.stringify(modelRef)}`,
      );
    }
    const schema = model.Properties?.Schema;
    requestModels[contentType] = (typeof schema === 'string' ? JSON.parse(schema) : schema) as Record<
      string,
      unknown
    >;
  }
  const required = { header: [] as string[], querystring: [] as string[], path: [] as string[] };
  for (const [key, isRequired] of Object.entries(
    (properties.RequestParameters as Record<string, unknown>) ?? {},
  )) {
    const match = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(key);
    if (match && isRequired === true) required[match[1] as keyof RequiredParameters].push(match[2]!);
  }
  return {
    methodLogicalId,
    httpMethod: String(properties.HttpMethod).toUpperCase(),
    resourcePath: path,
    resourceLogicalId,
    functionLogicalId:
      integration.Type === 'AWS_PROXY' ? functionOfUri(template, integration.Uri) : undefined,
    integrationType: String(integration.Type ?? 'MOCK'),
    authorizationType: (properties.AuthorizationType as AuthorizationType | undefined) ?? 'NONE',
    requestModels,
    validateBody: validator.ValidateRequestBody === true,
    validateParameters: validator.ValidateRequestParameters === true,
    requiredParameters: required,
  };
}

function readThrottles(methodSettings: unknown): {
  stageThrottle: Throttle | undefined;
  methodThrottles: Record<string, Throttle>;
} {
  let stageThrottle: Throttle | undefined;
  const methodThrottles: Record<string, Throttle> = {};
  for (const setting of Array.isArray(methodSettings) ? methodSettings : []) {
    if (!isRecord(setting) || setting.ThrottlingRateLimit === undefined) continue;
    const throttle = {
      rateLimit: Number(setting.ThrottlingRateLimit),
      burstLimit: Number(setting.ThrottlingBurstLimit ?? setting.ThrottlingRateLimit),
    };
    if (setting.ResourcePath === '/*' && setting.HttpMethod === '*') {
      stageThrottle = throttle;
    } else {
      // Method settings escape '/' in resource paths as '~1'.
      const path = String(setting.ResourcePath).replaceAll('~1', '/');
      methodThrottles[`${String(setting.HttpMethod).toUpperCase()} ${path}`] = throttle;
    }
  }
  return { stageThrottle, methodThrottles };
}

/** The function a proxy integration URI points at: `...functions/${Fn::GetAtt[Fn, Arn]}/invocations`. */
function functionOfUri(template: CfnTemplate, uri: unknown): string | undefined {
  if (Array.isArray(uri)) {
    for (const part of uri) {
      const found = functionOfUri(template, part);
      if (found) return found;
    }
    return undefined;
  }
  if (!isRecord(uri)) return undefined;
  const getAtt = uri['Fn::GetAtt'];
  if (Array.isArray(getAtt) && template.Resources[String(getAtt[0])]?.Type === 'AWS::Lambda::Function') {
    return String(getAtt[0]);
  }
  return functionOfUri(template, Object.values(uri));
}

function refOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.Ref === 'string' ? value.Ref : undefined;
}

function isRootRef(value: unknown, restApiLogicalId: string): boolean {
  if (!isRecord(value)) return false;
  const getAtt = value['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[0] === restApiLogicalId && getAtt[1] === 'RootResourceId';
}
