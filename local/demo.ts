/**
 * The `npm start` demo: three orders placed through the real local API — one confirmed, one
 * declined and compensated, one out of stock — and each order's journey printed as it happens:
 * status transitions (GET /orders/{id} history), the e-mail in the mailbox, points credited, the shipment.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { RunningPipeline } from './pipeline';

interface DemoOrder {
  readonly label: string;
  readonly sku: string;
  readonly quantity: number;
  readonly paymentToken: string;
}

export const DEMO_ORDERS: readonly DemoOrder[] = [
  { label: 'confirmed   ', sku: 'SKU-1', quantity: 2, paymentToken: 'tok_approve' },
  { label: 'declined    ', sku: 'SKU-2', quantity: 1, paymentToken: 'tok_decline' },
  { label: 'out of stock', sku: 'SKU-LAST', quantity: 2, paymentToken: 'tok_approve' },
];

const DEMO_CUSTOMER = 'demo-customer';
const JOURNEY_TIMEOUT_MS = 45_000;
const SIDE_EFFECTS_TIMEOUT_MS = 20_000;
const POLL_MS = 250;

interface OrderBody {
  readonly status?: string;
  readonly total?: number;
  readonly currency?: string;
  readonly history?: readonly { status: string; at: string; reason?: string }[];
}

export async function runDemo(
  pipeline: RunningPipeline,
  log: (line: string) => void = console.log,
): Promise<void> {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: pipeline.endpoints.dynamodb,
      region: process.env.AWS_REGION ?? 'eu-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    const token = await pipeline.token(DEMO_CUSTOMER);
    log(
      `\nDemo: placing ${DEMO_ORDERS.length} orders for '${DEMO_CUSTOMER}' through ${pipeline.apiUrl}/orders`,
    );
    await Promise.all(DEMO_ORDERS.map((order) => followOrder(pipeline, db, token, order, log)));
    log('\nDemo done. The dashboard shows them too; place your own with the curl example above.');
  } finally {
    db.destroy();
  }
}

async function followOrder(
  pipeline: RunningPipeline,
  db: DynamoDBDocumentClient,
  token: string,
  order: DemoOrder,
  log: (line: string) => void,
): Promise<void> {
  const say = (text: string) => log(`  [${order.label}] ${text}`);
  const placedAt = Date.now();
  const elapsed = () => `${((Date.now() - placedAt) / 1000).toFixed(1)} s`;
  const response = await fetch(`${pipeline.apiUrl}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      items: [{ sku: order.sku, quantity: order.quantity }],
      currency: 'EUR',
      payment: { token: order.paymentToken },
      email: `${DEMO_CUSTOMER}@example.com`,
      shippingAddress: {
        name: 'Demo Customer',
        line1: '1 Demo Street',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
    }),
  });
  const placed = (await response.json()) as { orderId?: string; error?: { message?: string } };
  if (response.status !== 202 || !placed.orderId) {
    say(`POST /orders answered ${response.status}: ${placed.error?.message ?? JSON.stringify(placed)}`);
    return;
  }
  const orderId = placed.orderId;
  say(`${order.quantity} x ${order.sku}, card ${order.paymentToken} -> 202 Accepted, order ${orderId}`);

  // Status transitions, as GET /orders/{id} shows them.
  const seen = new Set<string>();
  let final: OrderBody | undefined;
  const deadline = Date.now() + JOURNEY_TIMEOUT_MS;
  while (Date.now() < deadline && !final) {
    const res = await fetch(`${pipeline.apiUrl}/orders/${orderId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status === 200) {
      const body = (await res.json()) as OrderBody;
      for (const entry of [...(body.history ?? [])].sort((a, b) => a.at.localeCompare(b.at))) {
        if (seen.has(entry.status)) continue;
        seen.add(entry.status);
        say(`${elapsed()}  status ${entry.status}${entry.reason ? ` (${entry.reason})` : ''}`);
      }
      if (body.status === 'CONFIRMED' || body.status === 'FAILED') final = body;
    } else {
      await res.body?.cancel();
    }
    if (!final) await sleep(POLL_MS);
  }
  if (!final) {
    say(
      `still not confirmed or failed after ${JOURNEY_TIMEOUT_MS / 1000} s (see the function log: ${pipeline.functionLogFile})`,
    );
    return;
  }

  // Side effects of the choreography, each reported once it shows.
  const confirmed = final.status === 'CONFIRMED';
  const pending = new Map<string, () => Promise<string | undefined>>([
    ['e-mail', () => mailFor(pipeline.mailboxDir, orderId)],
    ...(confirmed
      ? ([
          ['points', () => pointsFor(db, pipeline.tables.loyalty, orderId)],
          ['shipment', () => shipmentFor(db, pipeline.tables.shipments, orderId)],
        ] as const)
      : []),
  ]);
  const sideDeadline = Date.now() + SIDE_EFFECTS_TIMEOUT_MS;
  while (pending.size > 0 && Date.now() < sideDeadline) {
    for (const [name, probe] of [...pending]) {
      const found = await probe().catch(() => undefined);
      if (found !== undefined) {
        say(`${elapsed()}  ${found}`);
        pending.delete(name);
      }
    }
    if (pending.size > 0) await sleep(POLL_MS);
  }
  for (const name of pending.keys()) say(`no ${name} after ${SIDE_EFFECTS_TIMEOUT_MS / 1000} s`);
}

async function mailFor(mailboxDir: string, orderId: string): Promise<string | undefined> {
  const files = (await readdir(mailboxDir)).filter((file) => file.endsWith('.json') && !file.startsWith('.'));
  for (const file of files) {
    const mail = JSON.parse(await readFile(join(mailboxDir, file), 'utf8')) as {
      orderId?: string;
      to?: string;
      subject?: string;
    };
    if (mail.orderId === orderId)
      return `e-mail to ${mail.to}: "${mail.subject}" (${join(mailboxDir, file)})`;
  }
  return undefined;
}

async function pointsFor(
  db: DynamoDBDocumentClient,
  table: string,
  orderId: string,
): Promise<string | undefined> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: table,
      Key: { customerId: DEMO_CUSTOMER, entryId: `ORDER#${orderId}#CREDIT` },
    }),
  );
  if (!Item) return undefined;
  const balance = await db.send(
    new GetCommand({ TableName: table, Key: { customerId: DEMO_CUSTOMER, entryId: 'BALANCE' } }),
  );
  return `loyalty: ${Item.points} points credited (balance ${balance.Item?.points ?? '?'})`;
}

async function shipmentFor(
  db: DynamoDBDocumentClient,
  table: string,
  orderId: string,
): Promise<string | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: { orderId } }));
  if (!Item) return undefined;
  return `shipment ${String(Item.shipmentId ?? '')} created${Item.status ? ` (${String(Item.status)})` : ''}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
