import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../../../../local/runtime/cfn-template';
import { LocalResolver } from '../../../../local/runtime/local-resources';
import { TemplateResolutionError } from '../../../../local/stepfunctions/errors';
import { stateMachinesFromTemplate } from '../../../../local/stepfunctions/template';

const fixture = JSON.parse(
  readFileSync(join(__dirname, '../../../fixtures/templates/saga-template.json'), 'utf8'),
) as CfnTemplate;
const PUBLISHER = 'SagaPublisherDF406353';

type States = Record<string, { Resource?: string; Parameters?: { FunctionName?: string } }>;

describe('stateMachinesFromTemplate', () => {
  it('renders the CDK Fn::Join definition with local function ARNs and partition', () => {
    // Act
    const [saga, ...others] = stateMachinesFromTemplate(
      new LocalResolver(fixture, { region: 'us-east-1', refs: { [PUBLISHER]: 'saga-publisher' } }),
    );

    // Assess
    expect(others).toHaveLength(0);
    expect(saga!.logicalId).toBe('OrderSagaF61556E2');
    expect(saga!.stateMachineArn).toBe(
      'arn:aws:states:us-east-1:000000000000:stateMachine:OrderSagaF61556E2',
    );
    const states = saga!.definition.States as States;
    expect(states.ReserveInventory!.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(states.ReserveInventory!.Parameters!.FunctionName).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:saga-publisher',
    );
    expect(states.FlagNeedsAttention!.Resource).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:saga-publisher',
    );
  });

  it('names functions by logical id unless told otherwise', () => {
    // Act
    const [saga] = stateMachinesFromTemplate(new LocalResolver(fixture));

    // Assess
    const states = saga!.definition.States as States;
    expect(states.PlaceOrder!.Parameters!.FunctionName).toBe(
      `arn:aws:lambda:eu-central-1:000000000000:function:${PUBLISHER}`,
    );
  });

  it('reads Definition with DefinitionSubstitutions, Fn::Sub and StateMachineName', () => {
    // Prepare
    const template = {
      Resources: {
        Publisher: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'publisher-fn' } },
        Saga: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            StateMachineName: 'dev-order-saga',
            Definition: {
              StartAt: 'Publish',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder, not a template literal
              States: { Publish: { Type: 'Task', Resource: '${PublisherArn}', End: true } },
            },
            DefinitionSubstitutions: {
              PublisherArn: {
                'Fn::Sub':
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a template literal
                  'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Publisher}',
              },
            },
          },
        },
      },
    };

    // Act
    const [saga] = stateMachinesFromTemplate(
      new LocalResolver(template, { region: 'eu-west-1', accountId: '111111111111' }),
    );

    // Assess
    expect(saga!.stateMachineArn).toBe('arn:aws:states:eu-west-1:111111111111:stateMachine:dev-order-saga');
    expect((saga!.definition.States as States).Publish!.Resource).toBe(
      'arn:aws:lambda:eu-west-1:111111111111:function:publisher-fn',
    );
  });

  it('takes a local name for a resource and names what it cannot resolve', () => {
    // Prepare
    const template = {
      Resources: {
        Table: { Type: 'AWS::DynamoDB::Table' },
        Saga: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString: {
              'Fn::Join': [
                '',
                [
                  '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"',
                  { Ref: 'Table' },
                  '","End":true}}}',
                ],
              ],
            },
          },
        },
      },
    };

    // Act
    const resolved = stateMachinesFromTemplate(
      new LocalResolver(template, { refs: { Table: 'orders-local' } }),
    );
    const unresolved = () =>
      stateMachinesFromTemplate(
        new LocalResolver({ Resources: { ...template.Resources, Table: { Type: 'AWS::EC2::VPC' } } }),
      );

    // Assess
    expect((resolved[0]!.definition.States as Record<string, { Result: string }>).P!.Result).toBe(
      'orders-local',
    );
    expect(unresolved).toThrow(TemplateResolutionError);
    expect(unresolved).toThrow(/Ref Table/);
  });
});
