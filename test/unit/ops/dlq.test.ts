import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDlq } from '../../../scripts/ops/dlq';
import { OpsError } from '../../../scripts/ops/target';

let dataDir: string;
const savedDataDir = process.env.LOCAL_DATA_DIR;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dlq-unit-'));
  process.env.LOCAL_DATA_DIR = dataDir;
});

afterEach(() => {
  if (savedDataDir === undefined) delete process.env.LOCAL_DATA_DIR;
  else process.env.LOCAL_DATA_DIR = savedDataDir;
  rmSync(dataDir, { recursive: true, force: true });
});

/** The OpsError a command line ends in, or a failure when it ends otherwise. */
async function opsErrorOf(argv: readonly string[]): Promise<OpsError> {
  const error = await runDlq(argv, () => undefined).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof OpsError)) throw new Error(`expected an OpsError, got ${String(error)}`);
  return error;
}

describe('npm run dlq command line', () => {
  it('says the local mode has not been started when npm start left no files', async () => {
    // Act
    const error = await opsErrorOf(['list', 'loyalty']);

    // Assess
    expect(error.message).toBe(
      `The local mode has not been started here (no ${join(dataDir, 'stack-outputs.json')}): run npm start, or pass --stage <dev|prod> for a deployed stage`,
    );
  });

  it('names the known consumers for an unknown one, before looking for the local mode', async () => {
    // Act
    const error = await opsErrorOf(['list', 'billing']);

    // Assess
    expect(error.message).toMatch(/^No consumer 'billing'; known: inventoryService, paymentService/);
  });

  it('asks for a dead letter id or --all', async () => {
    // Act
    const error = await opsErrorOf(['redrive', 'loyalty']);

    // Assess
    expect(error.message).toContain('redrive needs a dead letter id (<partition>@<offset>) or --all');
  });

  it('shows the usage for an unknown command or option', async () => {
    // Act
    const unknownCommand = await opsErrorOf(['purge', 'loyalty']);
    const unknownOption = await opsErrorOf(['list', 'loyalty', '--force']);

    // Assess
    expect(unknownCommand.message).toMatch(/^usage: npm run dlq -- list <consumer>/);
    expect(unknownOption.message).toMatch(/Unknown option '--force'[\s\S]*usage: npm run dlq/);
  });

  it('refuses a stage that does not exist', async () => {
    // Act
    const error = await opsErrorOf(['list', 'loyalty', '--stage', 'qa']);

    // Assess
    expect(error.message).toBe("Unknown stage 'qa': choose one of dev, prod");
  });
});
