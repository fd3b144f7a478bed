/**
 * Reads the state machines out of a synthesized CloudFormation template: DefinitionString (CDK
 * renders it as an Fn::Join of text and Ref / Fn::GetAtt tokens) or Definition with
 * DefinitionSubstitutions. Every token is resolved by the local mode's one resolver, so a state
 * machine's function ARNs are the ones the local Lambda runtime answers to.
 */
import { resourcesOfType } from '../runtime/cfn-template';
import type { LocalResolver } from '../runtime/local-resources';
import { TemplateResolutionError } from './errors';
import type { StateMachineSource } from './service';

export interface TemplateStateMachine extends StateMachineSource {
  readonly logicalId: string;
  readonly definition: Record<string, unknown>;
}

/** Every state machine of the resolver's template, with its local ARN and resolved definition. */
export function stateMachinesFromTemplate(resolver: LocalResolver): TemplateStateMachine[] {
  return resourcesOfType(resolver.template, 'AWS::StepFunctions::StateMachine').map(
    ([logicalId, resource]) => ({
      logicalId,
      stateMachineArn: resolver.stateMachineArn(logicalId),
      definition: readDefinition(logicalId, resource.Properties ?? {}, resolver),
    }),
  );
}

function readDefinition(
  logicalId: string,
  properties: Readonly<Record<string, unknown>>,
  resolver: LocalResolver,
): Record<string, unknown> {
  let text: string;
  if (properties.DefinitionString !== undefined) {
    text = resolve(resolver, properties.DefinitionString, `${logicalId}.DefinitionString`);
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
  resolver: LocalResolver,
  logicalId: string,
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]+)\}/g, (placeholder, key: string) =>
      key in substitutions
        ? resolve(resolver, substitutions[key], `${logicalId}.DefinitionSubstitutions.${key}`)
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

/** The resolver's answer, or the state machine emulator's own error naming what was not resolved. */
function resolve(resolver: LocalResolver, value: unknown, where: string): string {
  try {
    return resolver.resolve(value, where);
  } catch (error) {
    throw new TemplateResolutionError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}
