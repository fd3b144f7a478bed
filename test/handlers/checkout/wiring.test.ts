import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbOrderRepository } from '../../../lambdas/checkout/adapters/dynamodb-order-repository';
import { DynamoDbPriceCatalogue } from '../../../lambdas/checkout/adapters/dynamodb-price-catalogue';
import { SfnSagaStarter } from '../../../lambdas/checkout/adapters/sfn-saga-starter';
import * as placeOrderModule from '../../../lambdas/checkout/handlers/place-order';
import { AdmissionControl } from '../../../lambdas/checkout/use-cases/admission-control';
import { DynamoDbStockRepository } from '../../../lambdas/inventory/adapters/dynamodb-stock-repository';
import * as inventoryModule from '../../../lambdas/inventory/handlers/inventory-commands';
import { DynamoDbOrderViewRepository } from '../../../lambdas/order-read-model/adapters/dynamodb-order-view-repository';
import * as getOrderModule from '../../../lambdas/order-read-model/handlers/get-order';
import { DynamoDbPaymentLedger } from '../../../lambdas/payment/adapters/dynamodb-payment-ledger';
import { SimulatedCardProcessor } from '../../../lambdas/payment/adapters/simulated-card-processor';
import * as paymentModule from '../../../lambdas/payment/handlers/payment-commands';
import * as sagaModule from '../../../lambdas/saga/handlers/saga-publisher';
import { KafkaEventPublisher } from '../../../lambdas/shared/kafka/producer';
import { lambdaContext, postOrder } from './api-gateway-events';

describe('handler wiring from the environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('exports a handler from every entry', () => {
    for (const module of [placeOrderModule, getOrderModule, sagaModule, inventoryModule, paymentModule]) {
      expect(module.handler).toEqual(expect.any(Function));
    }
  });

  it('builds the AWS adapters from the documented variables', () => {
    // Prepare
    vi.stubEnv('ORDERS_TABLE_NAME', 'orders');
    vi.stubEnv('INVENTORY_TABLE_NAME', 'inventory');
    vi.stubEnv('PAYMENTS_TABLE_NAME', 'payments');
    vi.stubEnv('STATE_MACHINE_ARN', 'arn:aws:states:eu-central-1:123456789012:stateMachine:OrderSaga');
    vi.stubEnv('DEAD_LETTER_TOPIC', 'dead-letters.inventory-service');
    vi.stubEnv('KAFKA_BROKERS', 'localhost:9092');
    vi.stubEnv('ADMISSION_MAX_COMMAND_BACKLOG', '600');
    vi.stubEnv('ADMISSION_RETRY_AFTER_SECONDS', '5');

    // Act
    const checkout = placeOrderModule.dependenciesFromEnvironment();
    const reader = getOrderModule.dependenciesFromEnvironment();
    const saga = sagaModule.dependenciesFromEnvironment();
    const inventory = inventoryModule.dependenciesFromEnvironment();
    const payment = paymentModule.dependenciesFromEnvironment();

    // Assess
    expect(checkout.orders).toBeInstanceOf(DynamoDbOrderRepository);
    expect(checkout.prices).toBeInstanceOf(DynamoDbPriceCatalogue);
    expect(checkout.saga).toBeInstanceOf(SfnSagaStarter);
    expect(checkout.admission).toBeInstanceOf(AdmissionControl);
    expect(reader.views).toBeInstanceOf(DynamoDbOrderViewRepository);
    expect(saga.publisher).toBeInstanceOf(KafkaEventPublisher);
    expect(inventory.stock).toBeInstanceOf(DynamoDbStockRepository);
    expect(payment.ledger).toBeInstanceOf(DynamoDbPaymentLedger);
    expect(payment.provider).toBeInstanceOf(SimulatedCardProcessor);
  });

  it('answers 401 from the exported handler before touching any AWS service', async () => {
    // Act
    const response = await placeOrderModule.handler(postOrder({}, { claims: null }), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(401);
  });
});
