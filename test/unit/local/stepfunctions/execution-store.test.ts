import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExecutionRecord, FileExecutionJournal } from '../../../../local/stepfunctions/execution-store';

describe('FileExecutionJournal', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const record = (name: string, status: ExecutionRecord['status']): ExecutionRecord => ({
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:saga:${name}`,
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:saga',
    name,
    input: '{}',
    status,
    startDate: 1,
    redriveCount: 0,
  });

  it('keeps the latest record per execution, skips a torn last line, and compacts the file', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'sfn-journal-'));
    dirs.push(dir);
    const journal = new FileExecutionJournal(dir);
    await Promise.all([journal.append(record('a', 'RUNNING')), journal.append(record('b', 'RUNNING'))]);
    await journal.append(record('a', 'SUCCEEDED'));
    writeFileSync(journal.file, `${readFileSync(journal.file, 'utf8')}{"executionArn":"torn`);

    // Act
    const loaded = await new FileExecutionJournal(dir).load();

    // Assess
    expect(loaded.map((r) => [r.name, r.status])).toEqual([
      ['a', 'SUCCEEDED'],
      ['b', 'RUNNING'],
    ]);
    expect(readFileSync(journal.file, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
