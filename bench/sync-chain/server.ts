/**
 * The seed architecture, rebuilt small for the before/after benchmark: a checkout that calls the
 * payment, inventory, fulfilment, notification, analytics and loyalty services one after the
 * other over HTTP and answers only when all six have. Each service answers after an injected
 * 50-200 ms service time; a service that is "down" answers 503 at once, which fails the checkout
 * (the seed's outage: a non-critical analytics service blocked every order).
 *
 * Run as its own process (`tsx bench/sync-chain/server.ts`); prints one JSON line with its URLs.
 * POST /admin/down/<service> and /admin/up/<service> switch a service off and on.
 */
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CHAIN = ['payment', 'inventory', 'fulfilment', 'notification', 'analytics', 'loyalty'] as const;
const MIN_SERVICE_MS = 50;
const MAX_SERVICE_MS = 200;
const CALL_TIMEOUT_MS = 5_000;

const down = new Set<string>();
const agent = new Agent({ keepAlive: true, maxSockets: 512 });

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function drain(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function call(port: number, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        hostname: '127.0.0.1',
        port,
        path: '/',
        method: 'POST',
        agent,
        timeout: CALL_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const ports: Record<string, number> = {};
  for (const service of CHAIN) {
    ports[service] = await listen(async (req, res) => {
      await drain(req);
      if (down.has(service)) {
        res.writeHead(503).end();
        return;
      }
      const serviceTime = MIN_SERVICE_MS + Math.random() * (MAX_SERVICE_MS - MIN_SERVICE_MS);
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        serviceTime,
      );
    });
  }
  const checkout = await listen(async (req, res) => {
    const url = req.url ?? '/';
    const body = await drain(req);
    const admin = /^\/admin\/(down|up)\/(\w+)$/.exec(url);
    if (admin) {
      if (admin[1] === 'down') down.add(admin[2]!);
      else down.delete(admin[2]!);
      res.writeHead(204).end();
      return;
    }
    for (const service of CHAIN) {
      const status = await call(ports[service]!, body);
      if (status !== 200) {
        res
          .writeHead(502, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'DOWNSTREAM_FAILED', service, status } }));
        return;
      }
    }
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"status":"CONFIRMED"}');
  });
  process.stdout.write(
    `${JSON.stringify({ checkoutUrl: `http://127.0.0.1:${checkout}/orders`, adminUrl: `http://127.0.0.1:${checkout}/admin` })}\n`,
  );
}

void main();
