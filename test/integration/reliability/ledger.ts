/**
 * The books a fault scenario is judged by: for the orders it placed, every accepted order ended in
 * an expected terminal status, the orders whose card allows it were confirmed and no other,
 * nothing was charged twice, stock moved by exactly the confirmed quantities and loyalty points
 * match the confirmed, not-refunded totals. Reads the real tables.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';

export interface PlacedOrder {
  readonly customerId: string;
  /** HTTP status checkout answered. */
  readonly httpStatus: number;
  readonly orderId?: string;
  /**
   * Whether the order must end CONFIRMED once accepted: its card allows it and the stock covers it.
   * The others are business failures (declined, insufficient funds, a provider that never answers).
   */
  readonly expectConfirmed: boolean;
  /**
   * Checkout turned the order away for now (429 or 503 with Retry-After and the error body): the
   * shop's admission control, not a lost order. Set only where the scenario offers more orders than
   * the pipeline can finish; everywhere else the client retries and a refusal counts as not accepted.
   */
  readonly refused?: boolean;
}

export interface LedgerTables {
  readonly orders: string;
  readonly inventory: string;
  readonly payments: string;
  readonly loyalty: string;
  /** Needed by the side-effect checks (analyticsTotals, verifySideEffects). */
  readonly analytics?: string;
}

/** The analytics counters summed over every day's TOTAL item. */
export interface AnalyticsTotals {
  readonly ordersPlaced: number;
  readonly ordersConfirmed: number;
  readonly ordersFailed: number;
}

/** E-mails in the mailbox and analytics counts against what the orders' outcomes call for. */
export interface SideEffectVerdict {
  readonly emails: number;
  readonly emailsExpected: number;
  /** E-mails beyond one per (order, template). */
  readonly extraEmails: number;
  readonly analytics: AnalyticsTotals;
  readonly analyticsExpected: AnalyticsTotals;
  readonly problems: readonly string[];
}

export interface LedgerVerdict {
  readonly placed: number;
  readonly accepted: number;
  /** Orders checkout refused with Retry-After (see PlacedOrder.refused). */
  readonly refused: number;
  readonly endedCorrectly: number;
  /** Accepted orders that ended CONFIRMED. */
  readonly confirmed: number;
  /** Accepted orders that must end CONFIRMED (PlacedOrder.expectConfirmed). */
  readonly expectedConfirmed: number;
  /**
   * Orders whose outcome contradicts their card: one that should have confirmed and did not, or one
   * confirmed that should have failed. Kept apart from `problems`: the scenario decides whether they
   * count (see writeResult), and waiting longer cannot change a terminal status.
   */
  readonly outcomeMismatches: readonly string[];
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
    let confirmed = 0;
    const outcomeMismatches: string[] = [];
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
      if (status === 'CONFIRMED') confirmed += 1;
      if (placed.expectConfirmed && status !== 'CONFIRMED') {
        outcomeMismatches.push(`order ${placed.orderId} ended ${label}, expected CONFIRMED`);
      } else if (!placed.expectConfirmed && status === 'CONFIRMED') {
        outcomeMismatches.push(`order ${placed.orderId} ended CONFIRMED, its card does not allow it`);
      }
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
    const refused = orders.filter((o) => o.refused).length;
    const acceptedOrders = new Set(accepted);
    const turnedAway = orders.filter((o) => !acceptedOrders.has(o) && !o.refused);
    if (turnedAway.length > 0) {
      const answers = new Map<number, number>();
      for (const { httpStatus } of turnedAway) answers.set(httpStatus, (answers.get(httpStatus) ?? 0) + 1);
      problems.push(
        `${turnedAway.length} of ${orders.length} orders were not accepted (202); answers: ${[...answers]
          .map(([httpStatus, n]) => `${httpStatus === 0 ? 'no answer' : httpStatus} x${n}`)
          .join(', ')}`,
      );
    }
    return {
      placed: orders.length,
      accepted: accepted.length,
      refused,
      endedCorrectly,
      confirmed,
      expectedConfirmed: accepted.filter((o) => o.expectConfirmed).length,
      outcomeMismatches,
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

  /** Sums of the analytics per-day TOTAL counters; a scenario compares them before and after. */
  async analyticsTotals(): Promise<AnalyticsTotals> {
    const totals = { ordersPlaced: 0, ordersConfirmed: 0, ordersFailed: 0 };
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.analyticsTable(),
          FilterExpression: 'begins_with(pk, :day) AND sk = :total',
          ExpressionAttributeValues: { ':day': 'DAY#', ':total': 'TOTAL' },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        totals.ordersPlaced += Number(item.ordersPlaced ?? 0);
        totals.ordersConfirmed += Number(item.ordersConfirmed ?? 0);
        totals.ordersFailed += Number(item.ordersFailed ?? 0);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return totals;
  }

  /** Whether the loyalty ledger holds the credit entry of the order. */
  async hasLoyaltyCredit(customerId: string, orderId: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tables.loyalty,
        Key: { customerId, entryId: `ORDER#${orderId}#CREDIT` },
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  /** The e-mails of the local mailbox folder (one JSON file per message). */
  async mailbox(mailboxDir: string): Promise<{ orderId: string; template: string; to: string }[]> {
    const files = (await readdir(mailboxDir).catch(() => [] as string[])).filter(
      (file) => file.endsWith('.json') && !file.startsWith('.'),
    );
    return Promise.all(
      files.map(async (file) => {
        const mail = JSON.parse(await readFile(join(mailboxDir, file), 'utf8')) as Record<string, unknown>;
        return { orderId: String(mail.orderId), template: String(mail.template), to: String(mail.to) };
      }),
    );
  }

  /**
   * The once-only side effects of `orders`: exactly one confirmation e-mail per CONFIRMED order and
   * one failure e-mail per FAILED order (a confirmed order is never failed afterwards), and analytics counters that moved since `before` by exactly the orders placed, confirmed and
   * failed. Analytics is compared in total, so no other orders may flow meanwhile.
   */
  async verifySideEffects(
    orders: readonly PlacedOrder[],
    before: AnalyticsTotals,
    mailboxDir: string,
  ): Promise<SideEffectVerdict> {
    const problems: string[] = [];
    const accepted = orders.filter((o) => o.httpStatus === 202 && o.orderId);
    const mails = await this.mailbox(mailboxDir);
    const mailsOf = (orderId: string, template: string): number =>
      mails.filter((mail) => mail.orderId === orderId && mail.template === template).length;
    let emails = 0;
    let emailsExpected = 0;
    let extraEmails = 0;
    const expected = { ordersPlaced: accepted.length, ordersConfirmed: 0, ordersFailed: 0 };
    for (const { orderId } of accepted) {
      const label = await this.outcome(orderId!);
      const status = label.split(' ')[0];
      const confirmations = mailsOf(orderId!, 'order-confirmed');
      const failures = mailsOf(orderId!, 'order-failed');
      emails += confirmations + failures;
      extraEmails += Math.max(0, confirmations - 1) + Math.max(0, failures - 1);
      const want = {
        confirmations: status === 'CONFIRMED' ? 1 : 0,
        failures: status === 'FAILED' ? 1 : 0,
      };
      emailsExpected += want.confirmations + want.failures;
      expected.ordersConfirmed += want.confirmations;
      expected.ordersFailed += want.failures;
      if (confirmations !== want.confirmations || failures !== want.failures) {
        problems.push(
          `order ${orderId} (${label}) has ${confirmations} confirmation and ${failures} failure e-mails, expected ${want.confirmations} and ${want.failures}`,
        );
      }
    }
    const after = await this.analyticsTotals();
    const analytics = {
      ordersPlaced: after.ordersPlaced - before.ordersPlaced,
      ordersConfirmed: after.ordersConfirmed - before.ordersConfirmed,
      ordersFailed: after.ordersFailed - before.ordersFailed,
    };
    for (const counter of ['ordersPlaced', 'ordersConfirmed', 'ordersFailed'] as const) {
      if (analytics[counter] !== expected[counter]) {
        problems.push(`analytics counted ${analytics[counter]} ${counter}, expected ${expected[counter]}`);
      }
    }
    return {
      emails,
      emailsExpected,
      extraEmails,
      analytics,
      analyticsExpected: expected,
      problems,
    };
  }

  private analyticsTable(): string {
    if (!this.tables.analytics) throw new RangeError('The ledger was given no analytics table');
    return this.tables.analytics;
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
