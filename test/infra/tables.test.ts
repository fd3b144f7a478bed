import { describe, expect, it } from 'vitest';
import type { StageName } from '../../lib/config/stages';
import { TABLE_NAMES, TABLE_SPECS } from '../../lib/constructs/pipeline-tables';
import { synthPipeline } from './synth';
import type { CfnValue } from './template-text';

function tableResource(stage: StageName, name: (typeof TABLE_NAMES)[number]) {
  const { stacks, template } = synthPipeline(stage);
  const logicalId = stacks.data.getLogicalId(stacks.data.tables[name].node.defaultChild as never);
  return template(stacks.data).toJSON().Resources[logicalId];
}

describe('DynamoDB tables (data stack)', () => {
  it.each(TABLE_NAMES)(
    '%s has the contract key schema, on-demand billing, PITR and the customer key',
    (name) => {
      // Prepare
      const spec = TABLE_SPECS[name];
      const expectedKeys = [
        { AttributeName: spec.partitionKey.name, KeyType: 'HASH' },
        ...(spec.sortKey ? [{ AttributeName: spec.sortKey.name, KeyType: 'RANGE' }] : []),
      ];

      // Act
      const table = tableResource('dev', name);

      // Assess
      expect(table.Properties.KeySchema).toEqual(expectedKeys);
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect(table.Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'][1]).toBe('Arn');
    },
  );

  it('orders has no secondary index: an order is read by its id only, and each index copy is a paid write', () => {
    // Act
    const table = tableResource('dev', 'orders');

    // Assess
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('idempotency records expire through the expiration attribute', () => {
    // Act
    const table = tableResource('dev', 'idempotency');

    // Assess
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
  });

  it('analytics "already counted" markers expire through the expiresAt attribute', () => {
    // Act
    const table = tableResource('dev', 'analytics');

    // Assess
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it.each(TABLE_NAMES.filter((name) => TABLE_SPECS[name].businessData))(
    'prod retains and deletion-protects business table %s; dev does not',
    (name) => {
      // Act
      const prod = tableResource('prod', name);
      const dev = tableResource('dev', name);

      // Assess
      expect(prod.DeletionPolicy).toBe('Retain');
      expect(prod.UpdateReplacePolicy).toBe('Retain');
      expect(prod.Properties.DeletionProtectionEnabled).toBe(true);
      expect(dev.DeletionPolicy).toBe('Delete');
      expect(dev.Properties.DeletionProtectionEnabled).toBe(false);
    },
  );

  it('prod can still drop the idempotency table: it only holds expiring duplicate checks', () => {
    // Act
    const table = tableResource('prod', 'idempotency');

    // Assess
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });
});

describe('alarm topic (data stack)', () => {
  it('is encrypted with the customer key and refuses non-TLS publishing', () => {
    // Prepare
    const { stacks, template } = synthPipeline('dev');
    const resources = template(stacks.data).toJSON().Resources as Record<
      string,
      { Type: string; Properties: CfnValue }
    >;

    // Act
    const [topicId, topic] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::SNS::Topic')!;
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy')!;

    // Assess
    expect(topic.Properties.KmsMasterKeyId['Fn::GetAtt'][1]).toBe('Arn');
    expect(policy.Properties.Topics).toEqual([{ Ref: topicId }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    );
  });
});
