/**
 * Integration runs on one machine (two developers' terminals, an editor's test runner, CI) must not
 * share or wipe each other's broker: each run takes a "slot", a set of ports and a data folder,
 * guarded by a lock folder that names the owning process. A slot whose owner died is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../../../local/infra/process-alive';

/** Ports of slot 0; slot n adds n * SLOT_STRIDE to each. The user's local mode keeps 9092 / 8000. */
export const BASE_TEST_PORTS = { kafka: 19092, dynamodb: 18000 } as const;
export const SLOT_STRIDE = 100;
const MAX_SLOTS = 8;

export interface RunSlot {
  readonly index: number;
  readonly ports: { readonly kafka: number; readonly dynamodb: number };
  /** Data folder of this slot's parts. */
  readonly dataDir: string;
  release(): void;
}

/** Takes the first slot no live process holds. */
export function acquireRunSlot(localDir: string): RunSlot {
  const lockRoot = join(localDir, 'locks');
  mkdirSync(lockRoot, { recursive: true });
  for (let index = 0; index < MAX_SLOTS; index += 1) {
    const lock = join(lockRoot, `integration-slot-${index}`);
    const ownerFile = join(lock, 'owner.pid');
    try {
      mkdirSync(lock);
    } catch {
      const owner = Number(readFileSync(ownerFile, { encoding: 'utf8', flag: 'a+' }) || '0');
      if (owner > 0 && isProcessAlive(owner)) {
        continue;
      }
      // Left behind by a run that was killed: take it over.
      rmSync(lock, { recursive: true, force: true });
      try {
        mkdirSync(lock);
      } catch {
        continue;
      }
    }
    writeFileSync(ownerFile, String(process.pid));
    const offset = index * SLOT_STRIDE;
    return {
      index,
      ports: {
        kafka: BASE_TEST_PORTS.kafka + offset,
        dynamodb: BASE_TEST_PORTS.dynamodb + offset,
      },
      dataDir: join(localDir, 'integration', `slot-${index}`),
      release: () => rmSync(lock, { recursive: true, force: true }),
    };
  }
  throw new Error(`All ${MAX_SLOTS} integration run slots are taken by running test runs (${lockRoot})`);
}
