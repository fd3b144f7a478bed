/**
 * Reads the state machines out of a synthesized CloudFormation template: DefinitionString (CDK
 * renders it as an Fn::Join of text and Ref / Fn::GetAtt tokens) or Definition with
 * DefinitionSubstitutions, with every token resolved to its local value.
 */
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localStateMachineArn } from './arns';
import { TemplateResolutionError } from './errors';
import type { StateMachineSource } from './service';

export interface CloudFormationTemplate {
  readonly Resources?: Readonly<
    Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>
  >;
}

/** A Ref (`attribute` undefined) or an Fn::GetAtt to a resource of the template. */
export interface ResourceReference {
  readonly logicalId: string;
  readonly attribute?: string;
  readonly resourceType?: string;
}

export interface TemplateStateMachineOptions {
  /**
   * Local value of a Ref / Fn::GetAtt; return undefined to fall back to the defaults (Lambda
   * functions: their local ARN built from `functionName`; state machines: their local ARN).
   */
  readonly resolve?: (reference: ResourceReference) => string | undefined;
  /**
   * Local name of a Lambda function, by logical id.
   * @default the function's FunctionName property, else its logical id
   */
  readonly functionName?: (logicalId: string) => string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default 'local' */
  readonly stackName?: string;
}

export interface TemplateStateMachine extends StateMachineSource {
  readonly logicalId: string;
  readonly definition: Record<string, unknown>;
}

/** The local ARN of a state machine resource: its StateMachineName, else its logical id. */
export function templateStateMachineArn(
  template: CloudFormationTemplate,
  logicalId: string,
  options: Pick<TemplateStateMachineOptions, 'region' | 'accountId'> = {},
): string {
  const resource = template.Resources?.[logicalId];
  const name = resource?.Properties?.StateMachineName;
  return localStateMachineArn(typeof name === 'string' ? name : logicalId, {
    region: options.region ?? LOCAL_REGION,
    accountId: options.accountId ?? LOCAL_ACCOUNT_ID,
  });
}

export function stateMachinesFromTemplate(
  template: CloudFormationTemplate,
  options: TemplateStateMachineOptions = {},
): TemplateStateMachine[] {
  const resolver = new IntrinsicResolver(template, options);
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine')
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      return {
        logicalId,
        stateMachineArn: templateStateMachineArn(template, logicalId, options),
        definition: readDefinition(logicalId, properties, resolver),
      };
    });
}

function readDefinition(
  logicalId: string,
  properties: Record<string, unknown>,
  resolver: IntrinsicResolver,
): Record<string, unknown> {
  let text: string;
  if (properties.DefinitionString !== undefined) {
    text = resolver.toText(properties.DefinitionString, `${logicalId}.DefinitionString`);
  } else if (properties.Definition !== undefined) {
    text = JSON.stringify(properties.Definition);
  } else {
    throw new TemplateResolutionError(
      `State machine ${logicalId} has neither DefinitionString nor Definition (DefinitionS3Location is not read locally)`,
    );
  }
  const substitutions = (properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (error) {
    throw new TemplateResolutionError(`State machine ${logicalId}: the definition is not JSON`, {
      cause: error,
    });
  }
  return substitute(definition, substitutions, resolver, logicalId) as Record<string, unknown>;
}

/** `${key}` placeholders of DefinitionSubstitutions, replaced in every string of the definition. */
function substitute(
  value: unknown,
  substitutions: Record<string, unknown>,
  resolver: IntrinsicResolver,
  logicalId: string,
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]+)\}/g, (placeholder, key: string) =>
      key in substitutions
        ? resolver.toText(substitutions[key], `${logicalId}.DefinitionSubstitutions.${key}`)
        : placeholder,
    );
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, substitutions, resolver, logicalId));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, substitutions, resolver, logicalId)]),
    );
  }
  return value;
}

class IntrinsicResolver {
  readonly #template: CloudFormationTemplate;
  readonly #options: TemplateStateMachineOptions;

  constructor(template: CloudFormationTemplate, options: TemplateStateMachineOptions) {
    this.#template = template;
    this.#options = options;
  }

  toText(value: unknown, where: string): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const [fn, args] = Object.entries(value)[0] ?? [];
      if (Object.keys(value).length === 1 && fn !== undefined) return this.#intrinsic(fn, args, where);
    }
    throw new TemplateResolutionError(`Cannot resolve ${JSON.stringify(value)} in ${where}`);
  }

  #intrinsic(fn: string, args: unknown, where: string): string {
    switch (fn) {
      case 'Fn::Join': {
        if (!Array.isArray(args) || typeof args[0] !== 'string' || !Array.isArray(args[1])) break;
        return args[1].map((part: unknown) => this.toText(part, where)).join(args[0]);
      }
      case 'Ref':
        if (typeof args !== 'string') break;
        return this.#reference(args, undefined, where);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(args)
          ? args
          : typeof args === 'string'
            ? args.split('.')
            : [];
        if (typeof logicalId !== 'string' || typeof attribute !== 'string') break;
        return this.#reference(logicalId, attribute, where);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(args) ? args : [args, {}];
        if (typeof text !== 'string') break;
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_placeholder, name: string) => {
          const own = (variables as Record<string, unknown>)[name];
          if (own !== undefined) return this.toText(own, where);
          const [logicalId, attribute] = name.split('.');
          return this.#reference(logicalId!, attribute, where);
        });
      }
      case 'Fn::Select': {
        if (!Array.isArray(args) || !Array.isArray(args[1])) break;
        return this.toText(args[1][Number(args[0])], where);
      }
    }
    throw new TemplateResolutionError(`Unsupported intrinsic ${fn} ${JSON.stringify(args)} in ${where}`);
  }

  #reference(logicalId: string, attribute: string | undefined, where: string): string {
    const pseudo = this.#pseudoParameter(logicalId);
    if (pseudo !== undefined && attribute === undefined) return pseudo;
    const resource = this.#template.Resources?.[logicalId];
    const custom = this.#options.resolve?.({ logicalId, attribute, resourceType: resource?.Type });
    if (custom !== undefined) return custom;
    if (resource?.Type === 'AWS::Lambda::Function' && (attribute === undefined || attribute === 'Arn')) {
      const name = this.#functionName(logicalId, resource.Properties);
      return attribute === 'Arn' ? this.#functionArn(name) : name;
    }
    if (
      resource?.Type === 'AWS::StepFunctions::StateMachine' &&
      (attribute === undefined || attribute === 'Arn')
    ) {
      return templateStateMachineArn(this.#template, logicalId, this.#options);
    }
    const target = attribute ? `Fn::GetAtt ${logicalId}.${attribute}` : `Ref ${logicalId}`;
    throw new TemplateResolutionError(
      `Cannot resolve ${target} in ${where}: give a resolve() callback for it`,
    );
  }

  #functionName(logicalId: string, properties: Record<string, unknown> | undefined): string {
    if (this.#options.functionName) return this.#options.functionName(logicalId);
    return typeof properties?.FunctionName === 'string' ? properties.FunctionName : logicalId;
  }

  #functionArn(name: string): string {
    const region = this.#options.region ?? LOCAL_REGION;
    const accountId = this.#options.accountId ?? LOCAL_ACCOUNT_ID;
    return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  }

  #pseudoParameter(name: string): string | undefined {
    switch (name) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return this.#options.region ?? LOCAL_REGION;
      case 'AWS::AccountId':
        return this.#options.accountId ?? LOCAL_ACCOUNT_ID;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.#options.stackName ?? 'local';
      default:
        return undefined;
    }
  }
}
