/**
 * The local dashboard: one page (consumer lag over time, events per second, saga outcomes, recent
 * orders, the local mailbox) and a small JSON admin API to pause and resume a consumer.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SampleHistory } from './history';
import { type DashboardSources, UnknownConsumerError } from './sources';

export interface DashboardOptions {
  readonly sources: DashboardSources;
  readonly port: number;
  readonly host?: string;
  /** How often the server samples lag and counters, in milliseconds. @default 1000 */
  readonly sampleIntervalMs?: number;
  /** Samples kept for the chart. @default 600 (10 minutes at one a second) */
  readonly historySize?: number;
  /** Told about a sample that failed; the next interval tries again. @default ignore */
  readonly onSampleError?: (error: unknown) => void;
}

const CONSUMER_ACTION = /^\/api\/consumers\/([A-Za-z0-9_-]{1,64})\/(pause|resume)$/;

export class Dashboard {
  private readonly history: SampleHistory;
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  constructor(private readonly options: DashboardOptions) {
    this.history = new SampleHistory(options.historySize ?? 600);
  }

  async start(): Promise<string> {
    await this.sample();
    this.timer = setInterval(() => {
      // One sample at a time: a slow source must not pile up overlapping calls. A failed sample
      // (a broker restarting, say) leaves a gap in the chart; it must never stop the dashboard.
      this.sampling ??= this.sample()
        .catch((error: unknown) => this.options.onSampleError?.(error))
        .finally(() => {
          this.sampling = undefined;
        });
    }, this.options.sampleIntervalMs ?? 1000);
    this.timer.unref();
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) =>
        sendJson(res, 500, errorBody('INTERNAL_ERROR', String(error))),
      );
    });
    this.server = server;
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : this.options.port;
    return `http://${host}:${port}`;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }

  private async sample(): Promise<void> {
    const { sources } = this.options;
    const [consumers, produced, saga] = await Promise.all([
      sources.consumers(),
      sources.eventsProduced(),
      sources.saga(),
    ]);
    this.history.record(Date.now(), consumers, produced, saga);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { sources } = this.options;
    if (req.method === 'GET' && url.pathname === '/') {
      const page = await readFile(join(__dirname, 'page.html'), 'utf8');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/state') {
      const [consumers, orders, mailbox] = await Promise.all([
        sources.consumers(),
        sources.recentOrders(20),
        sources.mailbox(20),
      ]);
      sendJson(res, 200, { now: Date.now(), consumers, orders, mailbox, history: this.history.all() });
      return;
    }
    const action = CONSUMER_ACTION.exec(url.pathname);
    if (action) {
      if (req.method !== 'POST') {
        sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', `Use POST for ${url.pathname}`));
        return;
      }
      const [, name, verb] = action;
      try {
        await (verb === 'pause' ? sources.pause(name) : sources.resume(name));
      } catch (error) {
        if (error instanceof UnknownConsumerError) {
          sendJson(res, 404, errorBody('UNKNOWN_CONSUMER', error.message));
          return;
        }
        throw error;
      }
      sendJson(res, 200, { consumer: name, paused: verb === 'pause' });
      return;
    }
    sendJson(res, 404, errorBody('NOT_FOUND', `No route for ${req.method} ${url.pathname}`));
  }
}

function errorBody(code: string, message: string): unknown {
  return { error: { code, message, details: [] } };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
