import { afterEach, describe, expect, it } from 'vitest';
import { Dashboard } from '../../../../local/dashboard/server';
import {
  type ConsumerLag,
  type DashboardSources,
  UnknownConsumerError,
} from '../../../../local/dashboard/sources';

class FakeSources implements DashboardSources {
  readonly lag: Record<string, number> = { analytics: 0, loyalty: 3 };
  readonly paused = new Set<string>();
  produced = 0;

  async consumers(): Promise<readonly ConsumerLag[]> {
    return Object.entries(this.lag).map(([name, lag]) => ({
      name,
      groupId: `order-pipeline.${name}`,
      paused: this.paused.has(name),
      lagByTopic: { 'orders.events': lag },
      recordsProcessed: 7,
    }));
  }
  async saga() {
    return { started: 3, succeeded: 1, failed: 1, timedOut: 0, running: 1 };
  }
  async recentOrders() {
    return [
      {
        orderId: 'a1b2c3d4-0000',
        status: 'CONFIRMED',
        total: 1999,
        currency: 'EUR',
        updatedAt: '2026-11-24T10:00:00Z',
      },
    ];
  }
  async mailbox() {
    return [{ to: 'a@example.com', subject: 'Your order is confirmed', sentAt: '2026-11-24T10:00:01Z' }];
  }
  async eventsProduced() {
    return this.produced;
  }
  async pause(name: string) {
    if (!(name in this.lag)) throw new UnknownConsumerError(name);
    this.paused.add(name);
  }
  async resume(name: string) {
    if (!(name in this.lag)) throw new UnknownConsumerError(name);
    this.paused.delete(name);
  }
}

interface DashboardState {
  consumers: ConsumerLag[];
  orders: { status: string }[];
  mailbox: { to: string }[];
  history: { lag: Record<string, number>; eventsPerSecond: number }[];
}

describe('local dashboard server', () => {
  let dashboard: Dashboard | undefined;
  afterEach(async () => {
    await dashboard?.stop();
  });

  async function startWith(sources: FakeSources): Promise<string> {
    dashboard = new Dashboard({ sources, port: 0, sampleIntervalMs: 20 });
    return dashboard.start();
  }

  it('serves the page with the lag chart', async () => {
    // Prepare
    const url = await startWith(new FakeSources());
    // Act
    const res = await fetch(url);
    // Assess
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="lag-chart"');
  });

  it('reports consumers, orders, mailbox and a lag history that follows the sources', async () => {
    // Prepare
    const sources = new FakeSources();
    const url = await startWith(sources);
    sources.lag.analytics = 42;
    sources.produced = 100;
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Act
    const state = (await (await fetch(`${url}/api/state`)).json()) as DashboardState;
    // Assess
    expect(state.consumers.map((c) => c.name)).toEqual(['analytics', 'loyalty']);
    expect(state.orders[0].status).toBe('CONFIRMED');
    expect(state.mailbox[0].to).toBe('a@example.com');
    expect(state.history[0].lag.analytics).toBe(0);
    expect(state.history.at(-1)?.lag.analytics).toBe(42);
    expect(state.history.some((s) => s.eventsPerSecond > 0)).toBe(true);
  });

  it('keeps serving and sampling after a source fails', async () => {
    // Prepare
    const sources = new FakeSources();
    const errors: unknown[] = [];
    dashboard = new Dashboard({
      sources,
      port: 0,
      sampleIntervalMs: 20,
      onSampleError: (e) => errors.push(e),
    });
    const url = await dashboard.start();
    const healthy = sources.consumers.bind(sources);
    sources.consumers = async () => {
      throw new Error('broker restarting');
    };
    await new Promise((resolve) => setTimeout(resolve, 60));
    sources.consumers = healthy;
    sources.lag.analytics = 9;
    await new Promise((resolve) => setTimeout(resolve, 60));
    // Act
    const state = (await (await fetch(`${url}/api/state`)).json()) as DashboardState;
    // Assess
    expect(errors.length).toBeGreaterThan(0);
    expect(state.history.at(-1)?.lag.analytics).toBe(9);
  });

  it('pauses and resumes a consumer through the admin API', async () => {
    // Prepare
    const sources = new FakeSources();
    const url = await startWith(sources);
    // Act
    const paused = await fetch(`${url}/api/consumers/analytics/pause`, { method: 'POST' });
    const whilePaused = sources.paused.has('analytics');
    const resumed = await fetch(`${url}/api/consumers/analytics/resume`, { method: 'POST' });
    // Assess
    expect(paused.status).toBe(200);
    expect(await paused.json()).toEqual({ consumer: 'analytics', paused: true });
    expect(whilePaused).toBe(true);
    expect(resumed.status).toBe(200);
    expect(sources.paused.has('analytics')).toBe(false);
  });

  it('answers 404 with the error body for an unknown consumer and 405 for GET', async () => {
    // Prepare
    const url = await startWith(new FakeSources());
    // Act
    const unknown = await fetch(`${url}/api/consumers/nobody/pause`, { method: 'POST' });
    const wrongMethod = await fetch(`${url}/api/consumers/analytics/pause`);
    // Assess
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_CONSUMER');
    expect(wrongMethod.status).toBe(405);
  });
});
