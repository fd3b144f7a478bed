/**
 * Durable execution records for the local Step Functions: one JSON line per status change in
 * `<dataDir>/executions.jsonl`, folded by execution ARN on start-up, so DescribeExecution and name
 * uniqueness survive a restart and RUNNING executions can be driven again.
 */
import { mkdirSync } from 'node:fs';
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  /** The input exactly as StartExecution received it (a JSON text). */
  readonly input: string;
  readonly status: ExecutionStatus;
  /** Epoch milliseconds. */
  readonly startDate: number;
  readonly stopDate?: number;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** Times the local service drove this execution again after a restart. */
  readonly redriveCount: number;
  readonly redriveDate?: number;
  /**
   * The top-level state the execution last entered, with the input it entered with: where a
   * restart continues it. Absent until the first state was entered (then it starts from the top).
   */
  readonly position?: ExecutionPosition;
}

export interface ExecutionPosition {
  readonly stateName: string;
  /** The state's input as JSON text. */
  readonly input: string;
}

/** Where execution records go; the in-memory journal keeps nothing across restarts. */
export interface ExecutionJournal {
  load(): Promise<readonly ExecutionRecord[]>;
  append(record: ExecutionRecord): Promise<void>;
  close(): Promise<void>;
}

export class InMemoryExecutionJournal implements ExecutionJournal {
  async load(): Promise<readonly ExecutionRecord[]> {
    return [];
  }
  async append(): Promise<void> {}
  async close(): Promise<void> {}
}

interface PendingBatch {
  readonly lines: string[];
  done?: Promise<void>;
}

export class FileExecutionJournal implements ExecutionJournal {
  readonly #file: string;
  /** The batch collecting appends while the previous write is in flight. */
  #next: PendingBatch | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.#file = join(dataDir, 'executions.jsonl');
  }

  get file(): string {
    return this.#file;
  }

  /** Reads the journal and rewrites it with one line per execution, so it does not grow forever. */
  async load(): Promise<readonly ExecutionRecord[]> {
    let text = '';
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const latest = new Map<string, ExecutionRecord>();
    for (const line of text.split('\n')) {
      const record = parseLine(line);
      if (record) latest.set(record.executionArn, record);
    }
    const records = [...latest.values()];
    const compacted = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    await writeFile(`${this.#file}.tmp`, compacted);
    await rename(`${this.#file}.tmp`, this.#file);
    return records;
  }

  /**
   * Resolves once the record is in the file (the OS page cache: it survives the process being
   * killed, which is what a local restart needs). Appends made during a write share the next one.
   */
  append(record: ExecutionRecord): Promise<void> {
    let batch = this.#next;
    if (!batch) {
      const created: PendingBatch = { lines: [] };
      created.done = this.#writing.then(() => {
        this.#next = undefined;
        return appendFile(this.#file, created.lines.join(''));
      });
      this.#writing = created.done.catch(() => undefined);
      this.#next = created;
      batch = created;
    }
    batch.lines.push(`${JSON.stringify(record)}\n`);
    return batch.done!;
  }

  async close(): Promise<void> {
    await this.#writing;
  }
}

/** A torn last line (the process was killed mid-write) is skipped: its record was never acknowledged. */
function parseLine(line: string): ExecutionRecord | undefined {
  if (line.trim() === '') return undefined;
  try {
    const record = JSON.parse(line) as ExecutionRecord;
    return typeof record.executionArn === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}
