import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../../../../local/runtime/cfn-template';
import { UnresolvableTokenError } from '../../../../local/runtime/errors';
import { LocalResolver } from '../../../../local/runtime/local-resources';

// The shape the CDK gives cross-stack references: the Data stack exports, the App stack imports.
const DATA: CfnTemplate = {
  Resources: {
    Kafka: { Type: 'AWS::MSK::Cluster', Properties: { ClusterName: 'order-pipeline-dev-events' } },
    Orders: { Type: 'AWS::DynamoDB::Table', Properties: {} },
  },
  Outputs: {
    KafkaArn: { Value: { 'Fn::GetAtt': ['Kafka', 'Arn'] }, Export: { Name: 'Data:KafkaArn' } },
    OrdersName: { Value: { Ref: 'Orders' }, Export: { Name: 'Data:OrdersName' } },
  },
};
const APP: CfnTemplate = { Resources: {} };

describe('LocalResolver', () => {
  it('resolves cross-stack imports in the exporting stack, with the local names given', () => {
    // Prepare
    const resolver = new LocalResolver(APP, {
      kafkaBrokers: ['127.0.0.1:9092'],
      exporters: [DATA],
      refs: { Orders: 'OrderPipeline-dev-Data-Orders' },
    });

    // Act
    const tableName = resolver.resolve({ 'Fn::ImportValue': 'Data:OrdersName' }, 'ORDERS_TABLE_NAME');
    const clusterArn = resolver.resolve({ 'Fn::ImportValue': 'Data:KafkaArn' }, 'EventSourceArn');

    // Assess
    expect(tableName).toBe('OrderPipeline-dev-Data-Orders');
    expect(clusterArn).toBe(
      'arn:aws:kafka:eu-central-1:000000000000:cluster/order-pipeline-dev-events/local',
    );
    expect(resolver.referencesKafkaCluster({ 'Fn::ImportValue': 'Data:KafkaArn' })).toBe(true);
    expect(resolver.referencesKafkaCluster({ 'Fn::ImportValue': 'Data:OrdersName' })).toBe(false);
  });

  it('names the import that nothing exports', () => {
    // Prepare
    const resolver = new LocalResolver(APP, { kafkaBrokers: [], exporters: [DATA] });

    // Act
    const act = () => resolver.resolve({ 'Fn::ImportValue': 'Data:Missing' }, 'X');

    // Assess
    expect(act).toThrow(UnresolvableTokenError);
    expect(act).toThrow("X: no local value for import 'Data:Missing'");
  });
});
