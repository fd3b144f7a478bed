/**
 * The local API fuzzed from its OpenAPI description with schemathesis (PyPI): generated valid and
 * invalid requests for both routes, with a real token of one dedicated customer. Every answer must
 * be documented, JSON, match its schema, never be a 5xx, and every refused request must have
 * written nothing: the orders table holds exactly the orders the 202 answers named.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repositoryRoot } from '../../../local/infra/paths';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { Shop } from '../e2e/shop';
import { ordersOfCustomer } from './orders-of-customer';

const SCHEMATHESIS_VERSION = '4.32.5';
/** Test cases per operation and phase: about 500 requests, under two minutes on two idle cores. */
const MAX_EXAMPLES = 40;
/** Generous, for a machine busy with other work; an idle one needs about 105 s. */
const FUZZ_TIMEOUT_MS = 480_000;
const SEED = '20261124';
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
];

let pipeline: RunningPipeline;
let shop: Shop;
let reportDir: string;

beforeAll(async () => {
  pipeline = await startPipeline({ profile: 'test', infrastructure: inject('localServices') });
  shop = new Shop(pipeline);
  reportDir = mkdtempSync(join(tmpdir(), 'api-fuzz-'));
});

afterAll(async () => {
  await pipeline?.stop();
  if (reportDir) rmSync(reportDir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command without blocking this process: the API under test is served from it. */
function run(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  cwd = repositoryRoot(),
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

interface HarEntry {
  readonly request: { readonly method: string; readonly url: string };
  readonly response: {
    readonly status: number;
    readonly content?: { readonly mimeType?: string; readonly text?: string };
  };
}

describe('the local API fuzzed from openapi/order-api.json', () => {
  it(
    'answers every generated request with a documented non-5xx response, and writes only accepted orders',
    async () => {
      // Prepare
      const install = await run(
        'bash',
        ['scripts/python-tool.sh', 'schemathesis', SCHEMATHESIS_VERSION],
        600_000,
      );
      expect(install.code, install.output).toBe(0);
      const bin = install.output.trim().split('\n').at(-1)!;
      const customerId = `fuzz-${randomUUID().slice(0, 8)}`;
      const token = await pipeline.token(customerId);
      const harPath = join(reportDir, 'fuzz.har');

      // Act
      const fuzz = await run(
        join(bin, 'schemathesis'),
        [
          'run',
          join(repositoryRoot(), 'openapi', 'order-api.json'),
          '--url',
          pipeline.apiUrl,
          '--header',
          `Authorization: Bearer ${token}`,
          '--checks',
          CHECKS.join(','),
          '--phases',
          'examples,coverage,fuzzing,stateful',
          '--max-examples',
          String(MAX_EXAMPLES),
          '--seed',
          SEED,
          '--workers',
          '1',
          // Under the dev stage throttle (50/s), so the run tests the API rather than the throttle.
          '--rate-limit',
          '25/s',
          '--request-timeout',
          '35',
          '--suppress-health-check',
          'all',
          '--report',
          'har',
          '--report-har-path',
          harPath,
        ],
        FUZZ_TIMEOUT_MS,
        // schemathesis keeps a cache (.schemathesis/) in its working directory: not in the repository.
        reportDir,
      );

      // Assess
      expect(
        fuzz.code,
        fuzz.code === null ? `schemathesis killed after ${FUZZ_TIMEOUT_MS} ms` : fuzz.output,
      ).toBe(0);
      const entries = (JSON.parse(readFileSync(harPath, 'utf8')) as { log: { entries: HarEntry[] } }).log
        .entries;
      const statuses = entries.map((entry) => entry.response.status);
      const byStatus = Object.fromEntries(
        [...new Set(statuses)].sort().map((status) => [status, statuses.filter((s) => s === status).length]),
      );
      console.log(`[api-fuzz] ${entries.length} requests, by status: ${JSON.stringify(byStatus)}`);
      expect(entries.length).toBeGreaterThan(50);
      expect(statuses.filter((status) => status >= 500)).toEqual([]);
      for (const entry of entries.filter((e) => e.response.status >= 400)) {
        expect(JSON.parse(entry.response.content?.text ?? '{}')).toEqual({
          error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
        });
      }
      const accepted = new Set(
        entries
          .filter((entry) => entry.request.method === 'POST' && entry.response.status === 202)
          .map((entry) => (JSON.parse(entry.response.content!.text!) as { orderId: string }).orderId),
      );
      expect(accepted.size).toBeGreaterThan(0);
      const written = await ordersOfCustomer(shop, customerId);
      console.log(
        `[api-fuzz] ${accepted.size} distinct orders accepted, ${written.length} in the orders table`,
      );
      expect(new Set(written.map((order) => order.orderId))).toEqual(accepted);
    },
    FUZZ_TIMEOUT_MS + 120_000,
  );
});
