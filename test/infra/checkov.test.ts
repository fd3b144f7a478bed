import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { acknowledgeCheckovFinding, acknowledgeCheckovFindings } from '../../lib/checkov';
import { synthPipeline } from './synth';

type Skip = { id: string; comment: string };

function skipsOf(resource: { Metadata?: { checkov?: { skip?: Skip[] } } }): Skip[] {
  return resource.Metadata?.checkov?.skip ?? [];
}

describe('checkov acknowledgements', () => {
  it('reach resources created after the call (late grants) and keep one entry per check id', () => {
    // Prepare
    const stack = new Stack(new App(), 'Test');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    acknowledgeCheckovFindings(stack, { resourceType: 'AWS::IAM::Policy' }, [
      { id: 'CKV_AWS_111', reason: 'first reason' },
    ]);
    const logGroup = new logs.LogGroup(stack, 'Logs');
    const cfnLogGroup = logGroup.node.defaultChild as logs.CfnLogGroup;
    acknowledgeCheckovFinding(cfnLogGroup, [{ id: 'CKV_AWS_158', reason: 'old' }]);
    acknowledgeCheckovFinding(cfnLogGroup, [
      { id: 'CKV_AWS_158', reason: 'new' },
      { id: 'CKV_AWS_66', reason: 'other' },
    ]);

    // Act
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:CreateNetworkInterface'], resources: ['*'] }));
    const template = Template.fromStack(stack);

    // Assess
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(skipsOf(policy)).toEqual([{ id: 'CKV_AWS_111', comment: 'first reason' }]);
    const [group] = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(skipsOf(group)).toEqual([
      { id: 'CKV_AWS_158', comment: 'new' },
      { id: 'CKV_AWS_66', comment: 'other' },
    ]);
    expect(skipsOf(Object.values(template.findResources('AWS::IAM::Role'))[0]!)).toEqual([]);
  });

  it('in the pipeline every acknowledgement carries a reason of substance', () => {
    // Prepare
    const { stacks, template } = synthPipeline('dev');

    // Act
    const skips = [stacks.data, stacks.app].flatMap((stack) =>
      Object.values(
        template(stack).toJSON().Resources as Record<string, Parameters<typeof skipsOf>[0]>,
      ).flatMap(skipsOf),
    );

    // Assess
    expect(skips.length).toBeGreaterThan(0);
    for (const skip of skips) {
      expect(skip.id).toMatch(/^CKV_AWS_\d+$/);
      expect(skip.comment.length).toBeGreaterThan(40);
    }
  });
});
