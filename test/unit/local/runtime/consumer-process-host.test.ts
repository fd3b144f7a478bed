import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConsumerProcess,
  ConsumerProcessRequestError,
  ConsumerProcessStartError,
} from '../../../../local/runtime/consumer-process-host';
import type { MappingActivity } from '../../../../local/runtime/event-source-mapping';
import { UnknownMappingError } from '../../../../local/runtime/event-source-mapping';
import type { EventSourceMappingDefinition } from '../../../../local/runtime/template';

const SCRIPTED = resolve(__dirname, '../../../fixtures/consumer-process/scripted-consumer-process.mjs');

const mapping: EventSourceMappingDefinition = {
  logicalId: 'LoyaltyMapping',
  functionLogicalId: 'LoyaltyFunction',
  topics: ['orders.events'],
  consumerGroupId: 'order-pipeline.loyalty',
  eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/local/local',
  batchSize: 100,
  maximumBatchingWindowSeconds: 2,
  startingPosition: 'TRIM_HORIZON',
  startingPositionTimestamp: undefined,
  maximumRetryAttempts: 5,
  maximumRecordAgeSeconds: -1,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  onFailureTopic: undefined,
  enabled: true,
};

function scriptedProcess(lines: string[] = []): ConsumerProcess {
  return new ConsumerProcess({
    config: {
      functions: [],
      mappings: [mapping],
      // Never contacted: the scripted process has no Kafka and getLag is not called.
      brokers: ['127.0.0.1:1'],
      region: 'us-east-1',
    },
    log: (functionName, _stream, line) => lines.push(`${functionName}: ${line}`),
    entry: SCRIPTED,
    startTimeoutMs: 10_000,
    stopTimeoutMs: 5_000,
  });
}

describe('ConsumerProcess', () => {
  let host: ConsumerProcess | undefined;

  afterEach(async () => {
    await host?.stop();
    host = undefined;
    delete process.env.SCRIPTED_START;
    delete process.env.SCRIPTED_BUSY;
  });

  it('forks the process, forwards its output and activity, and reports it ready', async () => {
    // Prepare
    const lines: string[] = [];
    const activities: MappingActivity[] = [];
    host = scriptedProcess(lines);
    host.onActivity((activity) => activities.push(activity));

    // Act
    await host.start();

    // Assess
    expect(host.running).toBe(true);
    expect(host.pid).toEqual(expect.any(Number));
    expect(host.startCount).toBe(1);
    expect(lines).toContain('loyalty: paused: ');
    expect(activities).toEqual([
      expect.objectContaining({ type: 'committed', topic: 'orders.events', partition: 3, offset: '7' }),
    ]);
  });

  it('is down after a SIGKILL and comes back on start, keeping a pause across the restart', async () => {
    // Prepare
    const lines: string[] = [];
    host = scriptedProcess(lines);
    await host.start();
    const firstPid = host.pid;
    host.pause('order-pipeline.loyalty');

    // Act
    const exit = await host.kill();
    const whileDown = { running: host.running, pid: host.pid, paused: host.stats()[0]?.paused };
    await host.start();

    // Assess
    expect(exit).toEqual({ pid: firstPid, code: null, signal: 'SIGKILL' });
    expect(whileDown).toEqual({ running: false, pid: undefined, paused: true });
    expect(host.pid).not.toBe(firstPid);
    expect(host.startCount).toBe(2);
    expect(lines).toContain('loyalty: paused: LoyaltyMapping');
    expect(lines.some((line) => line.includes(`pid ${firstPid} exited (code null, signal SIGKILL)`))).toBe(
      true,
    );
  });

  it('answers busy and stats from the running process, and not busy while it is down', async () => {
    // Prepare
    process.env.SCRIPTED_BUSY = '1';
    host = scriptedProcess();
    await host.start();

    // Act
    const busy = await host.busy();
    const stats = host.stats();
    await host.kill();
    const busyWhileDown = await host.busy();

    // Assess
    expect(busy).toBe(true);
    expect(stats).toEqual([
      expect.objectContaining({ logicalId: 'LoyaltyMapping', recordsIn: 12, batches: 3, paused: false }),
    ]);
    expect(busyWhileDown).toBe(false);
    // The counters of the last run stay visible while the process is down.
    expect(host.stats()[0]?.recordsIn).toBe(12);
  });

  it('rejects the start when the process reports a failed start', async () => {
    // Prepare
    process.env.SCRIPTED_START = 'fail';
    host = scriptedProcess();

    // Act / Assess
    await expect(host.start()).rejects.toThrow(ConsumerProcessStartError);
    await expect(host.start()).rejects.toThrow(/ScriptedError: no broker/);
    expect(host.running).toBe(false);
  });

  it('stops gracefully, and refuses a kill and unknown mapping names', async () => {
    // Prepare
    host = scriptedProcess();
    await host.start();

    // Act
    await host.stop();

    // Assess
    expect(host.running).toBe(false);
    await expect(host.kill()).rejects.toThrow(ConsumerProcessRequestError);
    expect(() => host!.pause('payments')).toThrow(UnknownMappingError);
  });
});
