import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbPaymentLedger } from '../../../lambdas/payment/adapters/dynamodb-payment-ledger';
import { SimulatedCardProcessor } from '../../../lambdas/payment/adapters/simulated-card-processor';
import { createPaymentCommandsHandler } from '../../../lambdas/payment/handlers/payment-commands';
import { SfnSagaCallback } from '../../../lambdas/saga/adapters/sfn-saga-callback';
import { InMemoryEventPublisher, InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { exampleEvent, mskEvent, mskEventOf, ORDER_ID, TRACE_HEADER } from '../../fixtures/msk';
import { lambdaContext } from '../checkout/api-gateway-events';
import { awsError, FakeDynamoDb } from '../inventory/fake-dynamodb';
import { FakeStepFunctions } from '../saga/fake-sfn';

const TABLE = 'payments';
const chargeCard = (taskToken: string, paymentToken = 'tok_approve') =>
  exampleEvent('ChargeCard', { data: { taskToken, paymentToken } });
const refundCharge = (taskToken: string) => exampleEvent('RefundCharge', { data: { taskToken } });

describe('payment commands handler', () => {
  let dynamo: FakeDynamoDb;
  let sfn: FakeStepFunctions;
  let publisher: InMemoryEventPublisher;
  let sink: InMemoryFailedRecordSink;
  let handler: ReturnType<typeof createPaymentCommandsHandler>;

  beforeEach(() => {
    dynamo = new FakeDynamoDb({ [TABLE]: ['orderId', 'entry'] });
    sfn = new FakeStepFunctions();
    publisher = new InMemoryEventPublisher();
    sink = new InMemoryFailedRecordSink();
    const deps = {
      ledger: new DynamoDbPaymentLedger(TABLE, dynamo),
      provider: new SimulatedCardProcessor(),
      callback: new SfnSagaCallback(sfn),
      publisher,
      failedRecordSink: sink,
      sleep: async () => undefined,
      processingLimit: { seconds: 0.05, error: 'PaymentTimeout' },
    };
    handler = createPaymentCommandsHandler(() => deps);
  });

  const entries = () =>
    dynamo
      .items(TABLE)
      .map((item) => item.entry)
      .sort();

  it('tok_approve: writes CHARGE once, publishes PaymentCaptured and answers success', async () => {
    // Act
    const response = await handler(mskEventOf([chargeCard('t1')]), lambdaContext);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(entries()).toEqual(['ATTEMPT#1', 'CHARGE']);
    const charge = dynamo.item(TABLE, { orderId: ORDER_ID, entry: 'CHARGE' })!;
    expect(charge).toMatchObject({ amount: 4498, currency: 'EUR' });
    expect(JSON.stringify(dynamo.items(TABLE))).not.toContain('tok_');
    expect(publisher.published).toMatchObject([
      {
        topic: 'payments.events',
        envelope: { eventType: 'PaymentCaptured' },
        context: { traceHeader: TRACE_HEADER },
      },
    ]);
    expect(sfn.answers).toEqual([
      { taskToken: 't1', output: { status: 'CHARGED', paymentId: charge.paymentId } },
    ]);
  });

  it('charges exactly once under duplicate ChargeCard commands', async () => {
    // Act
    await handler(mskEventOf([chargeCard('t1'), chargeCard('t2')]), lambdaContext);
    await handler(mskEventOf([chargeCard('t3')]), lambdaContext);

    // Assess
    expect(entries()).toEqual(['ATTEMPT#1', 'CHARGE']);
    expect(sfn.answers.map((a) => a.output)).toEqual([
      { status: 'CHARGED', paymentId: expect.any(String) },
      { status: 'CHARGED', paymentId: expect.any(String) },
      { status: 'CHARGED', paymentId: expect.any(String) },
    ]);
  });

  it.each([
    ['tok_decline', 'DECLINED'],
    ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
  ])('%s: publishes PaymentDeclined and answers PaymentDeclined', async (token, reason) => {
    // Act
    await handler(mskEventOf([chargeCard('t1', token)]), lambdaContext);

    // Assess
    expect(entries()).toEqual(['ATTEMPT#1']);
    expect(publisher.envelopes('PaymentDeclined')[0]?.data).toMatchObject({ reason });
    expect(sfn.answers).toEqual([{ taskToken: 't1', error: 'PaymentDeclined', cause: reason }]);
  });

  it('tok_flaky: two transient failures counted in the ledger, then approved', async () => {
    // Act
    await handler(mskEventOf([chargeCard('t1', 'tok_flaky')]), lambdaContext);

    // Assess
    expect(entries()).toEqual(['ATTEMPT#1', 'ATTEMPT#2', 'ATTEMPT#3', 'CHARGE']);
    expect(sfn.answers).toEqual([
      { taskToken: 't1', output: { status: 'CHARGED', paymentId: expect.any(String) } },
    ]);
  });

  it("tok_timeout: records the attempt, publishes nothing, answers PaymentTimeout at the processing limit, while the partition's next order is charged meanwhile", async () => {
    // Act
    const response = await handler(
      mskEventOf([
        chargeCard('t1', 'tok_timeout'),
        exampleEvent('ChargeCard', {
          orderId: '9d2c4b7e-1111-4222-8333-444455556666',
          data: { taskToken: 't2' },
        }),
      ]),
      lambdaContext,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(dynamo.item(TABLE, { orderId: ORDER_ID, entry: 'ATTEMPT#1' })).toBeDefined();
    expect(dynamo.item(TABLE, { orderId: ORDER_ID, entry: 'CHARGE' })).toBeUndefined();
    // A provider that hangs on one order holds up that order only, not the orders behind it.
    expect(sfn.answers.map((a) => [a.taskToken, a.error ?? 'success'])).toEqual([
      ['t2', 'success'],
      ['t1', 'PaymentTimeout'],
    ]);
    expect(publisher.envelopes('PaymentCaptured')).toHaveLength(1);
  });

  it('RefundCharge of a charged order refunds once; repeats answer success', async () => {
    // Prepare
    await handler(mskEventOf([chargeCard('t1')]), lambdaContext);

    // Act
    await handler(mskEventOf([refundCharge('r1'), refundCharge('r2')]), lambdaContext);

    // Assess
    expect(entries()).toEqual(['ATTEMPT#1', 'CHARGE', 'REFUND']);
    expect(publisher.envelopes('PaymentRefunded')).toHaveLength(2);
    expect(sfn.answers.slice(1)).toEqual([
      { taskToken: 'r1', output: { status: 'REFUNDED', refundId: expect.any(String) } },
      { taskToken: 'r2', output: { status: 'REFUNDED', refundId: expect.any(String) } },
    ]);
  });

  it('RefundCharge of an order never charged is a no-op success; a late ChargeCard then charges nothing', async () => {
    // Act
    await handler(mskEventOf([refundCharge('r1'), chargeCard('t1')]), lambdaContext);

    // Assess
    expect(entries()).toEqual(['VOID']);
    expect(publisher.published).toHaveLength(0);
    expect(sfn.answers).toEqual([
      { taskToken: 'r1', output: { status: 'NOT_CHARGED' } },
      { taskToken: 't1', error: 'PaymentDeclined', cause: expect.stringMatching(/already compensated/) },
    ]);
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist'])(
    'charges nothing when the heartbeat answers %s, and does not retry the record',
    async (name) => {
      // Prepare: a ChargeCard of a run the saga left (timed out, or re-run after a restart).
      sfn.staleTokens.set('t1', name);

      // Act
      const response = await handler(mskEventOf([chargeCard('t1')]), lambdaContext);

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(entries()).toEqual([]);
      expect(publisher.published).toHaveLength(0);
    },
  );

  it('a stale ChargeCard ahead of the live one leaves exactly one charge', async () => {
    // Prepare: after a restart the old command (t-old) is still on the partition before the new one.
    sfn.staleTokens.set('t-old', 'TaskDoesNotExist');

    // Act
    await handler(mskEventOf([chargeCard('t-old'), chargeCard('t-new')]), lambdaContext);

    // Assess
    expect(entries()).toEqual(['ATTEMPT#1', 'CHARGE']);
    expect(sfn.answers).toEqual([
      { taskToken: 't-new', output: { status: 'CHARGED', paymentId: expect.any(String) } },
    ]);
  });

  it('still refunds on a stale RefundCharge token: compensation is idempotent', async () => {
    // Prepare
    await handler(mskEventOf([chargeCard('t1')]), lambdaContext);
    sfn.staleTokens.set('r1', 'TaskTimedOut');

    // Act
    const response = await handler(mskEventOf([refundCharge('r1')]), lambdaContext);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(entries()).toEqual(['ATTEMPT#1', 'CHARGE', 'REFUND']);
  });

  it('answers TransientFailure when the ledger is unavailable', async () => {
    // Prepare
    dynamo.failWith = awsError('ThrottlingException');

    // Act
    await handler(mskEventOf([chargeCard('t1')]), lambdaContext);

    // Assess
    expect(sfn.answers[0]).toMatchObject({ taskToken: 't1', error: 'TransientFailure' });
  });

  it('diverts poison records and ignores non-commands', async () => {
    // Act
    const response = await handler(
      mskEvent([
        { value: '{"eventType":"ChargeCard"}', options: { topic: 'payments.commands' } },
        { envelope: exampleEvent('PaymentCaptured'), options: { topic: 'payments.commands' } },
      ]),
      lambdaContext,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sink.records).toMatchObject([{ consumer: 'paymentService', reason: 'INVALID_ENVELOPE' }]);
    expect(dynamo.commands).toHaveLength(0);
  });
});
