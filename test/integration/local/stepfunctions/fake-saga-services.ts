/**
 * Stand-ins for the saga publisher Lambda and the services that answer its commands: the publisher
 * is the `invokeFunction` port, and the "services" answer task tokens through a real SFNClient, as
 * the inventory and payment consumers do. Outcomes are scripted by the order's SKU and payment token.
 */
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { InvokeFunction } from '../../../../local/stepfunctions';

export interface SagaEvent {
  readonly step: string;
  readonly order: {
    readonly orderId: string;
    readonly paymentToken: string;
    readonly items: { sku: string }[];
  };
  readonly taskToken?: string;
  readonly failure?: { readonly reason: string };
}

export interface PublisherCall {
  readonly functionName: string;
  readonly event: SagaEvent;
}

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

export class FakeSagaServices {
  readonly calls: PublisherCall[] = [];
  /** Token answers that the endpoint refused, by error name (e.g. a late answer: TaskTimedOut). */
  readonly refusedAnswers: string[] = [];
  #client: SFNClient | undefined;
  readonly #transientFailuresLeft = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #silentSkus: ReadonlySet<string>;

  /** @param silentSkus reservations of these SKUs are never answered (a service that is down) */
  constructor({ silentSkus = ['SKU-SILENT'] }: { silentSkus?: readonly string[] } = {}) {
    this.#silentSkus = new Set(silentSkus);
  }

  /** Services reach the endpoint only once it listens; the port is known after start. */
  connect(endpoint: string): void {
    this.#client = sfnClient(endpoint);
  }

  stepsOf(orderId: string): string[] {
    return this.calls.filter((call) => call.event.order.orderId === orderId).map((call) => call.event.step);
  }

  callsOf(orderId: string, step: string): PublisherCall[] {
    return this.calls.filter((call) => call.event.order.orderId === orderId && call.event.step === step);
  }

  readonly invokeFunction: InvokeFunction = async (functionName, payload) => {
    const event = payload as SagaEvent;
    this.calls.push({ functionName, event });
    const { order, taskToken } = event;
    // The publisher itself fails twice (the broker was away), then works: on the fixture's PlaceOrder
    // as a TransientFailure, on the app saga's ReserveInventory as the publisher's EventPublishError.
    const flaky =
      order.paymentToken === 'tok_flaky_publisher' && event.step === 'placeOrder'
        ? 'TransientFailure'
        : order.paymentToken === 'tok_unpublished_reservation' && event.step === 'reserveInventory'
          ? 'EventPublishError'
          : undefined;
    if (flaky) {
      const left = this.#transientFailuresLeft.get(`${order.orderId}:${event.step}`) ?? 2;
      if (left > 0) {
        this.#transientFailuresLeft.set(`${order.orderId}:${event.step}`, left - 1);
        const error = new Error('broker not available');
        error.name = flaky;
        throw error;
      }
    }
    if (taskToken === undefined) return { published: event.step };
    this.#answer(event, taskToken);
    return { published: event.step };
  };

  /** Stops answering: pending timers are dropped. */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #answer(event: SagaEvent, token: string): void {
    const sku = event.order.items[0]?.sku;
    const paymentToken = event.order.paymentToken;
    const silent =
      (event.step === 'reserveInventory' && sku !== undefined && this.#silentSkus.has(sku)) ||
      (event.step === 'processPayment' && paymentToken === 'tok_timeout');
    if (silent) return;
    if (event.step === 'reserveInventory' && sku === 'SKU-GONE') {
      this.#later(10, () => this.#fail(token, 'OutOfStock', 'SKU-GONE: 0 left'));
    } else if (event.step === 'processPayment' && paymentToken === 'tok_decline') {
      this.#later(10, () => this.#fail(token, 'PaymentDeclined', 'card declined'));
    } else if (event.step === 'processPayment' && paymentToken === 'tok_slow_with_heartbeats') {
      this.#heartbeatThenSucceed(token, 10);
    } else if (event.step === 'processPayment' && paymentToken === 'tok_heartbeats_forever') {
      this.#heartbeatThenSucceed(token, 1_000);
    } else if (event.step === 'processPayment') {
      this.#later(10, () => this.#succeed(token, { chargeId: `ch_${event.order.orderId}` }));
    } else if (event.step === 'reserveInventory') {
      this.#later(10, () => this.#succeed(token, { reserved: true }));
    } else {
      this.#later(10, () => this.#succeed(token, { done: event.step }));
    }
  }

  #heartbeatThenSucceed(token: string, beats: number): void {
    let sent = 0;
    const beat = (): void => {
      if (sent === beats) {
        void this.#succeed(token, { chargeId: 'slow' });
        return;
      }
      sent += 1;
      void this.#send((client) => client.send(new SendTaskHeartbeatCommand({ taskToken: token })));
      this.#later(250, beat);
    };
    this.#later(250, beat);
  }

  #later(ms: number, action: () => unknown): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
  }

  #succeed(token: string, output: unknown): Promise<void> {
    return this.#send((client) =>
      client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })),
    );
  }

  #fail(token: string, error: string, cause: string): Promise<void> {
    return this.#send((client) =>
      client.send(new SendTaskFailureCommand({ taskToken: token, error, cause })),
    );
  }

  async #send(request: (client: SFNClient) => Promise<unknown>): Promise<void> {
    try {
      await request(this.#client!);
    } catch (error) {
      this.refusedAnswers.push((error as Error).name);
    }
  }
}
