/**
 * The saga fixture template (CDK output of the contract's saga) loaded the way the local mode
 * loads the app template, with the step timeouts shortened so the tests stay fast.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnTemplate, resourcesOfType } from '../../../../local/runtime/cfn-template';
import { LocalResolver } from '../../../../local/runtime/local-resources';
import { type StateMachineSource, stateMachinesFromTemplate } from '../../../../local/stepfunctions';

const TEMPLATE = join(__dirname, '../../../fixtures/templates/saga-template.json');

/** Seconds per callback step: long enough for the fakes' answers, short enough for fast tests. */
const SHORT_TIMEOUTS: Record<string, { TimeoutSeconds: number; HeartbeatSeconds?: number }> = {
  ReserveInventory: { TimeoutSeconds: 2, HeartbeatSeconds: 1 },
  ProcessPayment: { TimeoutSeconds: 4, HeartbeatSeconds: 1 },
  ConfirmOrder: { TimeoutSeconds: 2, HeartbeatSeconds: 1 },
  RefundCharge: { TimeoutSeconds: 2 },
  ReleaseStock: { TimeoutSeconds: 2 },
};

export function sagaUnderTest(): StateMachineSource {
  const template = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as CfnTemplate;
  const [saga] = stateMachinesFromTemplate(new LocalResolver(template, { refs: publisherNamed(template) }));
  const states = saga!.definition.States as Record<string, Record<string, unknown>>;
  for (const [stateName, timeouts] of Object.entries(SHORT_TIMEOUTS))
    Object.assign(states[stateName]!, timeouts);
  return saga!;
}

/** Every function of the template under the local name the fakes answer to. */
export function publisherNamed(template: CfnTemplate): Record<string, string> {
  return Object.fromEntries(
    resourcesOfType(template, 'AWS::Lambda::Function').map(([logicalId]) => [logicalId, 'saga-publisher']),
  );
}

export function orderInput(orderId: string, paymentToken: string, sku = 'SKU-1'): string {
  return JSON.stringify({
    orderId,
    customerId: 'customer-1',
    items: [{ sku, quantity: 1, unitPrice: 1250 }],
    total: 1250,
    currency: 'EUR',
    email: 'customer-1@example.com',
    shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    paymentToken,
    correlationId: `corr-${orderId}`,
    placedAt: '2026-11-24T21:00:00.000Z',
  });
}
