/**
 * The local dashboard in a real browser (Debian's chromium driven by playwright-core): the lag
 * chart and the orders render from the running pipeline, and the pause / resume buttons really
 * pause and resume a consumer. Leaves a screenshot in test-results/dashboard.png.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { orderBody, Shop } from './shop';

const SCREENSHOT = join(__dirname, '..', '..', '..', 'test-results', 'dashboard.png');

let pipeline: RunningPipeline;
let browser: BrowserContext;
let userDataDir: string;

beforeAll(async () => {
  pipeline = await startPipeline({ profile: 'test', infrastructure: inject('localServices') });
  userDataDir = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.stop();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function consumerState(page: Page, consumer: string): Promise<string | null> {
  return page.locator(`#consumers tr[data-consumer="${consumer}"] td:nth-child(5)`).textContent();
}

describe('the local dashboard', () => {
  it('shows the lag chart and the orders, and pauses and resumes a consumer', async () => {
    // Prepare: one order the page must list
    const shop = new Shop(pipeline);
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    const placed = await shop.placeOrder(customerId, orderBody());
    expect(placed.status).toBe(202);
    // Checkout writes the order before it answers: the page lists it whatever the saga's progress.
    const orderId = placed.body.orderId!;
    const page = await browser.newPage();
    // Act
    await page.goto(pipeline.dashboardUrl);
    // Assess: the chart and the order are there
    const chart = page.locator('canvas#lag-chart');
    await chart.waitFor({ state: 'visible', timeout: 10_000 });
    expect(
      await chart.evaluate((canvas) => (canvas as unknown as { width: number; height: number }).width > 0),
    ).toBe(true);
    await page.locator(`#orders tr[data-order-id="${orderId}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('#orders tbody tr').count()).toBeGreaterThanOrEqual(1);

    // Act: pause analytics with its button
    await page.locator('button[data-consumer="analytics"][data-action="pause"]').click();
    // Assess: the page and the pipeline agree it is paused
    await expect.poll(() => consumerState(page, 'analytics'), { timeout: 10_000 }).toBe('paused');
    const state = (await (await fetch(`${pipeline.dashboardUrl}/api/state`)).json()) as {
      consumers: { name: string; paused: boolean }[];
    };
    expect(state.consumers.find((c) => c.name === 'analytics')?.paused).toBe(true);

    // Act: resume it
    await page.locator('button[data-consumer="analytics"][data-action="resume"]').click();
    // Assess
    await expect.poll(() => consumerState(page, 'analytics'), { timeout: 10_000 }).toBe('running');
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
