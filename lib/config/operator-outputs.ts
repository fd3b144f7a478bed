/**
 * Output keys of the App stack that the operator tools (`npm run dlq`, `npm run order`) read, in
 * the shape `cdk deploy --outputs-file` writes them. The local mode resolves the same outputs.
 */
import type { ConsumerName } from './consumers';

export const OPERATOR_OUTPUTS = {
  ordersTable: 'OrdersTableName',
  kafkaCluster: 'KafkaClusterArn',
  stateMachine: 'StateMachineArn',
  functionName: (name: ConsumerName) => `${pascal(name)}FunctionName`,
} as const;

/** `inventoryService` -> `InventoryService`. */
export function pascal(name: string): string {
  return `${name[0]!.toUpperCase()}${name.slice(1)}`;
}
