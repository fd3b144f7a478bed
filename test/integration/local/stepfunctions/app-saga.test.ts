import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../../../lib/config/stages';
import { OrderSaga } from '../../../../lib/constructs/order-saga';
import type { CfnTemplate } from '../../../../local/runtime/cfn-template';
import { LOCAL_ACCOUNT, LocalResolver } from '../../../../local/runtime/local-resources';
import {
  type RunningLocalStepFunctions,
  startLocalStepFunctions,
  stateMachinesFromTemplate,
  type TemplateStateMachine,
} from '../../../../local/stepfunctions';
import { FakeSagaServices, sfnClient } from './fake-saga-services';
import { orderInput, publisherNamed } from './saga-under-test';

/** The app's own saga construct, synthesized as the app synthesizes it. */
function synthesizeAppSaga(): TemplateStateMachine {
  const stack = new Stack(new App(), 'SagaOnly', { env: { account: '000000000000', region: 'us-east-1' } });
  const publisher = new lambda.Function(stack, 'SagaPublisher', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });
  new OrderSaga(stack, 'OrderSaga', { config: STAGES.dev, publisher });
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const [saga] = stateMachinesFromTemplate(new LocalResolver(template, { refs: publisherNamed(template) }));
  return saga!;
}

async function runToEnd(
  client: SFNClient,
  stateMachineArn: string,
  orderId: string,
  paymentToken: string,
  sku?: string,
) {
  const { executionArn } = await client.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: orderId,
      input: orderInput(orderId, paymentToken, sku),
    }),
  );
  for (;;) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the app saga (lib/constructs/order-saga.ts) on the local Step Functions', () => {
  const services = new FakeSagaServices();
  let saga: TemplateStateMachine;
  let running: RunningLocalStepFunctions;
  let client: SFNClient;

  beforeAll(async () => {
    saga = synthesizeAppSaga();
    running = await startLocalStepFunctions({
      port: 0,
      stateMachines: [saga],
      invokeFunction: services.invokeFunction,
    });
    services.connect(running.endpoint);
    client = sfnClient(running.endpoint);
  });

  afterAll(async () => {
    services.stop();
    client.destroy();
    await running.close();
  });

  it('is named and addressed as the checkout expects', () => {
    // Assess
    expect(saga.stateMachineArn).toBe(
      `arn:aws:states:${LOCAL_ACCOUNT.region}:${LOCAL_ACCOUNT.accountId}:stateMachine:${OrderSaga.stateMachineName(STAGES.dev)}`,
    );
  });

  it('confirms an order whose stock and payment answer', async () => {
    // Act
    const described = await runToEnd(
      client,
      saga.stateMachineArn,
      'c0000000-0000-4000-8000-000000000001',
      'tok_approve',
    );

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(services.stepsOf('c0000000-0000-4000-8000-000000000001')).toEqual([
      'reserveInventory',
      'processPayment',
      'confirmOrder',
    ]);
  });

  it('publishes the reservation again while the broker is away, then confirms the order', async () => {
    // Act: the publisher fails twice with EventPublishError on ReserveInventory
    const orderId = 'c0000000-0000-4000-8000-000000000004';
    const described = await runToEnd(client, saga.stateMachineArn, orderId, 'tok_unpublished_reservation');

    // Assess: the emulator retried the step on the publisher's error as the app's Retry says
    // (which retrier covers it, and for how long, the template assertions check)
    expect(described.status).toBe('SUCCEEDED');
    expect(services.stepsOf(orderId)).toEqual([
      'reserveInventory',
      'reserveInventory',
      'reserveInventory',
      'processPayment',
      'confirmOrder',
    ]);
  });

  it('compensates a declined payment: refund, release, then OrderFailed with the reason', async () => {
    // Act
    const orderId = 'c0000000-0000-4000-8000-000000000002';
    const described = await runToEnd(client, saga.stateMachineArn, orderId, 'tok_decline');

    // Assess
    expect(described).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
    expect(services.stepsOf(orderId)).toEqual([
      'reserveInventory',
      'processPayment',
      'refundCharge',
      'releaseStock',
      'failOrder',
    ]);
    expect(services.callsOf(orderId, 'failOrder')[0]!.event.failure).toEqual({ reason: 'PAYMENT_DECLINED' });
  });

  it('fails an out-of-stock order after releasing stock, without charging', async () => {
    // Act
    const orderId = 'c0000000-0000-4000-8000-000000000003';
    const described = await runToEnd(client, saga.stateMachineArn, orderId, 'tok_approve', 'SKU-GONE');

    // Assess
    expect(described.status).toBe('FAILED');
    expect(services.stepsOf(orderId)).toEqual(['reserveInventory', 'releaseStock', 'failOrder']);
    expect(services.callsOf(orderId, 'failOrder')[0]!.event.failure).toEqual({ reason: 'OUT_OF_STOCK' });
  });
});
