/**
 * The books a fault scenario is judged by: for the orders it placed, every accepted order ended in
 * an expected terminal status, nothing was charged twice, stock moved by exactly the confirmed
 * quantities and loyalty points match the confirmed, not-refunded totals. Reads the real tables.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';

export interface PlacedOrder {
  readonly customerId: string;
  /** HTTP status checkout answered. */
  readonly httpStatus: number;
  readonly orderId?: string;
}

export interface LedgerTables {
  readonly orders: string;
  readonly inventory: string;
  readonly payments: string;
  readonly loyalty: string;
}

export interface LedgerVerdict {
  readonly placed: number;
  readonly accepted: number;
  readonly endedCorrectly: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly charges: number;
  readonly chargesExpected: number;
  readonly ordersChargedMoreThanOnce: number;
  readonly stock: Readonly<Record<string, { actual: number; expected: number }>>;
  readonly stockExact: boolean;
  readonly points: number;
  readonly pointsExpected: number;
  readonly pointsExact: boolean;
  /** Human-readable findings; empty when the books balance. */
  readonly problems: readonly string[];
}

interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
}

export class Ledger {
  private readonly db: DynamoDBDocumentClient;

  constructor(
    endpoint: string,
    private readonly tables: LedgerTables,
  ) {
    this.db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 8,
      }),
    );
  }

  close(): void {
    this.db.destroy();
  }

  async stock(skus: readonly string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const sku of skus) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tables.inventory, Key: { pk: `SKU#${sku}` }, ConsistentRead: true }),
      );
      out[sku] = Number(Item?.available);
    }
    return out;
  }

  async status(orderId: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tables.orders, Key: { orderId }, ConsistentRead: true }),
    );
    return Item?.status as string | undefined;
  }

  /** The order's status with the reason of its last step in that status, e.g. 'FAILED (PAYMENT_TIMEOUT)'. */
  async outcome(orderId: string): Promise<string> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tables.orders, Key: { orderId }, ConsistentRead: true }),
    );
    return labelOf(Item);
  }

  /** Polls until every accepted order is in one of `terminal` or the time is up. */
  async waitForTerminal(
    orders: readonly PlacedOrder[],
    terminal: readonly string[],
    timeoutMs: number,
  ): Promise<Record<string, string | undefined>> {
    const deadline = Date.now() + timeoutMs;
    const statuses: Record<string, string | undefined> = {};
    const pending = new Set(orders.flatMap((o) => (o.httpStatus === 202 && o.orderId ? [o.orderId] : [])));
    for (;;) {
      for (const orderId of [...pending]) {
        statuses[orderId] = await this.status(orderId).catch(() => statuses[orderId]);
        if (statuses[orderId] && terminal.includes(statuses[orderId]!)) pending.delete(orderId);
      }
      if (pending.size === 0 || Date.now() > deadline) return statuses;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * Balances the books of `orders` against `initialStock` (taken before the first order). Loyalty
   * is compared per customer, so each scenario uses customers of its own.
   */
  async verify(
    orders: readonly PlacedOrder[],
    initialStock: Readonly<Record<string, number>>,
    expectedTerminal: readonly string[],
  ): Promise<LedgerVerdict> {
    const problems: string[] = [];
    const statuses: Record<string, number> = {};
    const confirmedBySku = new Map<string, number>();
    const pointsByCustomer = new Map<string, number>();
    const customers = new Set(orders.map((o) => o.customerId));
    let endedCorrectly = 0;
    let charges = 0;
    let chargesExpected = 0;
    let chargedTwice = 0;
    const accepted = orders.filter((o) => o.httpStatus === 202 && o.orderId);
    for (const placed of accepted) {
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.tables.orders,
          Key: { orderId: placed.orderId },
          ConsistentRead: true,
        }),
      );
      const status = String(Item?.status ?? 'MISSING');
      const label = labelOf(Item);
      statuses[label] = (statuses[label] ?? 0) + 1;
      const entries = await this.paymentEntries(placed.orderId!);
      const orderCharges = entries.filter((e) => e === 'CHARGE').length;
      const refunded = entries.includes('REFUND');
      charges += orderCharges;
      if (orderCharges > 1) {
        chargedTwice += 1;
        problems.push(`order ${placed.orderId} has ${orderCharges} CHARGE entries`);
      }
      let correct = expectedTerminal.includes(status);
      if (status === 'CONFIRMED') {
        chargesExpected += 1;
        if (orderCharges !== 1 || refunded) correct = false;
        const total = Number(Item?.total ?? 0);
        pointsByCustomer.set(
          placed.customerId,
          (pointsByCustomer.get(placed.customerId) ?? 0) + Math.floor(total / 100),
        );
        for (const item of (Item?.items ?? []) as OrderItem[]) {
          confirmedBySku.set(item.sku, (confirmedBySku.get(item.sku) ?? 0) + item.quantity);
        }
      } else if (orderCharges > 0 && !refunded) {
        // A failed order may have been charged only if the charge was refunded.
        correct = false;
        problems.push(`order ${placed.orderId} is ${status} with a charge that was not refunded`);
      } else {
        // Refunded charges still count as charges made; the expectation is "at most once".
        chargesExpected += orderCharges;
      }
      if (correct) endedCorrectly += 1;
      else problems.push(`order ${placed.orderId} ended ${status} (expected ${expectedTerminal.join('|')})`);
    }
    const skus = Object.keys(initialStock);
    const actualStock = await this.stock(skus);
    const stock: Record<string, { actual: number; expected: number }> = {};
    for (const sku of skus) {
      stock[sku] = {
        actual: actualStock[sku]!,
        expected: initialStock[sku]! - (confirmedBySku.get(sku) ?? 0),
      };
      if (stock[sku].actual !== stock[sku].expected) {
        problems.push(`stock of ${sku} is ${stock[sku].actual}, expected ${stock[sku].expected}`);
      }
    }
    let points = 0;
    let pointsExpected = 0;
    for (const customerId of customers) {
      const actual = await this.balance(customerId);
      const expected = pointsByCustomer.get(customerId) ?? 0;
      points += actual;
      pointsExpected += expected;
      if (actual !== expected)
        problems.push(`customer ${customerId} has ${actual} points, expected ${expected}`);
    }
    if (accepted.length !== orders.length) {
      problems.push(`${orders.length - accepted.length} of ${orders.length} orders were not accepted (202)`);
    }
    return {
      placed: orders.length,
      accepted: accepted.length,
      endedCorrectly,
      statuses,
      charges,
      chargesExpected,
      ordersChargedMoreThanOnce: chargedTwice,
      stock,
      stockExact: Object.values(stock).every((s) => s.actual === s.expected),
      points,
      pointsExpected,
      pointsExact: points === pointsExpected && !problems.some((p) => p.includes('points')),
      problems,
    };
  }

  /** Waits until the side effects caught up (points are credited asynchronously). */
  async verifyEventually(
    orders: readonly PlacedOrder[],
    initialStock: Readonly<Record<string, number>>,
    expectedTerminal: readonly string[],
    timeoutMs = 60_000,
  ): Promise<LedgerVerdict> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const verdict = await this.verify(orders, initialStock, expectedTerminal);
      if (verdict.problems.length === 0 || Date.now() > deadline) return verdict;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  private async paymentEntries(orderId: string): Promise<string[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tables.payments,
        KeyConditionExpression: 'orderId = :o',
        ExpressionAttributeValues: { ':o': orderId },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => String(item.entry));
  }

  private async balance(customerId: string): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tables.loyalty,
        Key: { customerId, entryId: 'BALANCE' },
        ConsistentRead: true,
      }),
    );
    return Number(Item?.points ?? 0);
  }
}

function labelOf(item: Record<string, unknown> | undefined): string {
  const status = String(item?.status ?? 'MISSING');
  const history = (item?.history ?? []) as { status: string; reason?: string }[];
  const reason = history.filter((h) => h.status === status && h.reason).at(-1)?.reason;
  return reason ? `${status} (${reason})` : status;
}
