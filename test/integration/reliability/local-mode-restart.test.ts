/**
 * Reliability scenario 8: the local mode stopped mid-run and started again. Orders are accepted,
 * then the pipeline (API, functions, the Step Functions emulator, the event source mappings) stops
 * while their sagas are in flight and a new one starts on the same Step Functions journal. Once the
 * new pipeline's functions are warm, the emulator continues every execution that was RUNNING at the
 * top-level state it was in, which runs again with a new task token (AWS would keep waiting on the
 * old one; see local/stepfunctions/README.md). Commands of the old run still on Kafka meet a stale
 * token on their heartbeat and are not acted on. Every order accepted before the stop must end
 * correctly after it, with nothing charged, reserved or credited twice and no charge kept for a
 * failed order. The real parts (Kafka and the DynamoDB server) stay up here: their own restarts
 * are scenarios 2 and 4.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { Ledger } from './ledger';
import { openBooks, placeOrders, planOrders, writeResult } from './scenario';

const journal = mkdtempSync(join(tmpdir(), 'reliability-sfn-'));
let pipeline: RunningPipeline | undefined;

afterAll(async () => {
  await pipeline?.stop();
  rmSync(journal, { recursive: true, force: true });
});

describe('scenario 8: the whole local mode restarted mid-run', () => {
  it('ends every order accepted before the stop correctly after the restart', async () => {
    // Prepare
    const started = Date.now();
    const start = (): Promise<RunningPipeline> =>
      startPipeline({
        profile: 'test',
        infrastructure: inject('localServices'),
        stepFunctionsDataDir: journal,
      });
    pipeline = await start();
    let ledger = new Ledger(pipeline.endpoints.dynamodb, pipeline.tables);
    const initialStock = await openBooks(pipeline, ledger);

    // Act: accept orders, stop at once while their sagas run, start again on the same journal
    const placed = await placeOrders(pipeline, planOrders('restart', 20), { parallel: 4 });
    const inFlight = (
      await Promise.all(placed.map(async (o) => (await ledger.status(o.orderId!)) ?? 'PENDING'))
    ).filter((status) => !['CONFIRMED', 'FAILED'].includes(status)).length;
    const stopping = Date.now();
    await pipeline.stop();
    ledger.close();
    pipeline = await start();
    const restartSeconds = Math.round((Date.now() - stopping) / 1000);
    ledger = new Ledger(pipeline.endpoints.dynamodb, pipeline.tables);
    await ledger.waitForTerminal(placed, ['CONFIRMED', 'FAILED'], 120_000);
    await pipeline.waitForConsumersIdle().catch(() => undefined);

    // Assess
    const verdict = await ledger.verifyEventually(placed, initialStock, ['CONFIRMED', 'FAILED']);
    ledger.close();
    const result = writeResult(
      {
        id: 'scenario-8-local-mode-restart',
        title: '8. Whole local mode restarted mid-run',
        fault: `pipeline stopped right after 20 orders were accepted (${inFlight} still in flight), started again on the same Step Functions journal`,
        durationSeconds: Math.round((Date.now() - started) / 1000),
        notes: [
          `stop + start took ${restartSeconds} s`,
          'RUNNING executions continued at the state they were in, re-entering it with a new task token (AWS would keep waiting on the old one)',
          'Kafka and the DynamoDB server stayed up; their restarts are scenarios 2 and 4',
        ],
        problems: inFlight === 0 ? ['no order was in flight at the stop: the restart proved nothing'] : [],
      },
      verdict,
    );
    expect(result.problems).toEqual([]);
  }, 300_000);
});
