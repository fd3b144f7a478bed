import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceProcess } from '../../../../local/infra/service-process';

describe('ServiceProcess', () => {
  const dirs: string[] = [];
  const processes: ServiceProcess[] = [];

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((child) => child.kill()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const started = (): ServiceProcess => {
    const dir = mkdtempSync(join(tmpdir(), 'service-process-'));
    dirs.push(dir);
    const child = new ServiceProcess({
      name: 'sleeper',
      command: 'sleep',
      args: ['30'],
      logFile: join(dir, 'sleeper.log'),
    });
    processes.push(child);
    child.start();
    return child;
  };

  it('ignores the SIGINT of a Ctrl-C, so the local mode stops its clients before the service', async () => {
    // Prepare
    const child = started();
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Act
    process.kill(child.pid!, 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess
    expect(child.running).toBe(true);
  });

  it('ends on the SIGTERM of stop()', async () => {
    // Prepare
    const child = started();
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Act
    await child.stop(5_000);

    // Assess
    expect(child.running).toBe(false);
  });
});
