/**
 * `npm run local:reset`: wipes the local mode's data (`.local/`: broker logs, tables, queues,
 * mailbox, logs) but keeps the Maven-fetched jars in `.local/cache`, so the next start is warm.
 * Refuses while a local part still listens, since its files would be deleted under it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { portFromEnv } from './component';
import { localDir } from './paths';
import { portAnswers } from './preflight';
import { isProcessAlive } from './process-alive';

const KEEP = new Set(['cache']);

async function main(): Promise<void> {
  const dir = localDir();
  const busy: string[] = [];
  const ports: [number, string][] = [
    [portFromEnv('KAFKA_PORT', 9092), 'KAFKA_PORT'],
    [portFromEnv('DYNAMODB_PORT', 8000), 'DYNAMODB_PORT'],
  ];
  for (const [port, owner] of ports) {
    if (await portAnswers(port)) {
      busy.push(`${port} (${owner})`);
    }
  }
  // A running integration test run holds a lock naming its process (test/integration/harness/run-slot.ts).
  busy.push(...liveLockOwners(join(dir, 'locks')).map((pid) => `a test run's parts (process ${pid})`));
  if (busy.length > 0 && !process.argv.includes('--force')) {
    console.error(
      `Still in use: ${busy.join(', ')}: stop the local mode (Ctrl-C) before resetting, ` +
        'or pass --force if those ports belong to something else.',
    );
    process.exitCode = 1;
    return;
  }
  if (!existsSync(dir)) {
    console.log(`Nothing to reset: ${dir} does not exist.`);
    return;
  }
  const removed = readdirSync(dir).filter((entry) => !KEEP.has(entry));
  for (const entry of removed) {
    rmSync(join(dir, entry), { recursive: true, force: true });
  }
  console.log(
    `Reset ${dir}: removed ${removed.length ? removed.join(', ') : 'nothing'}; kept the jar cache.`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

function liveLockOwners(lockRoot: string): number[] {
  if (!existsSync(lockRoot)) {
    return [];
  }
  return readdirSync(lockRoot)
    .map((lock) => join(lockRoot, lock, 'owner.pid'))
    .filter((file) => existsSync(file))
    .map((file) => Number(readFileSync(file, 'utf8')))
    .filter((pid) => pid > 0 && isProcessAlive(pid));
}
