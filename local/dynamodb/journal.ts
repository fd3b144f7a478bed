/**
 * Persistence in a data directory: `snapshot.jsonl` (the state at some point) and `journal.jsonl`
 * (every record since), both JSON lines headed by a generation number. A record is appended with
 * fs.writeSync before the request is answered: once written it is in the page cache, which
 * survives a crash or SIGKILL of the process (fsync per write would only add safety against a
 * power loss, which the local mode does not need).
 *
 * At start the snapshot and the journal are replayed and compacted into a new snapshot; the same
 * happens when the journal has grown past a threshold, so start-up time stays bounded. A torn last
 * line (a write cut short by a crash) was never acknowledged and is ignored.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { JournalRecord, RecordSink } from './database';

const SNAPSHOT_FILE = 'snapshot.jsonl';
const JOURNAL_FILE = 'journal.jsonl';
const FORMAT = 'order-pipeline-dynamodb/1';
/** The journal is compacted once it exceeds this, or twice the snapshot if that is larger. */
const DEFAULT_COMPACT_AFTER_BYTES = 64 * 1024 * 1024;
const WRITE_CHUNK_CHARS = 1024 * 1024;

interface Header {
  readonly format: string;
  readonly generation: number;
}

/** A complete line in the middle of a file does not parse: the directory was damaged. */
export class JournalCorruptError extends Error {
  public constructor(file: string, line: number, options?: { cause?: unknown }) {
    super(
      `${file} line ${line} is not a valid record; refusing to start on a damaged data directory`,
      options,
    );
    this.name = 'JournalCorruptError';
  }
}

export interface JournalOptions {
  readonly dataDir: string;
  /** Applies a replayed record to the database. */
  readonly apply: (record: JournalRecord) => void;
  /** The database's whole state as records, for snapshots. */
  readonly dump: () => Iterable<JournalRecord>;
  readonly log: (line: string) => void;
  /** @default 64 MB */
  readonly compactAfterBytes?: number;
}

export class Journal implements RecordSink {
  private fd = -1;
  private generation = 0;
  private journalChars = 0;
  private snapshotChars = 0;

  private constructor(private readonly options: JournalOptions) {}

  /** Replays the data directory into the database, then compacts it. */
  public static open(options: JournalOptions): Journal {
    const journal = new Journal(options);
    mkdirSync(options.dataDir, { recursive: true });
    const started = Date.now();
    const snapshot = journal.replay(SNAPSHOT_FILE, undefined);
    const replayed = journal.replay(JOURNAL_FILE, snapshot.generation);
    journal.generation = Math.max(snapshot.generation ?? 0, replayed.generation ?? 0);
    journal.compact();
    options.log(
      `Loaded ${options.dataDir}: ${snapshot.records} snapshot and ${replayed.records} journal records in ${Date.now() - started} ms`,
    );
    return journal;
  }

  public append(record: JournalRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    writeSync(this.fd, line);
    this.journalChars += line.length;
  }

  public compactIfDue(): void {
    const threshold = Math.max(
      this.options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES,
      2 * this.snapshotChars,
    );
    if (this.journalChars > threshold) this.compact();
  }

  public close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * Writes the state as generation n+1 (a temporary file renamed over the snapshot), then starts
   * an empty journal of n+1. A crash in between leaves a journal of generation n, which the next
   * start skips because the snapshot already holds it.
   */
  private compact(): void {
    const generation = this.generation + 1;
    const path = join(this.options.dataDir, SNAPSHOT_FILE);
    const temporary = `${path}.tmp`;
    const fd = openSync(temporary, 'w');
    let buffer = `${JSON.stringify({ format: FORMAT, generation } satisfies Header)}\n`;
    let written = 0;
    for (const record of this.options.dump()) {
      buffer += `${JSON.stringify(record)}\n`;
      if (buffer.length >= WRITE_CHUNK_CHARS) {
        written += buffer.length;
        writeSync(fd, buffer);
        buffer = '';
      }
    }
    writeSync(fd, buffer);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, path);
    this.snapshotChars = written + buffer.length;

    if (this.fd >= 0) closeSync(this.fd);
    this.fd = openSync(join(this.options.dataDir, JOURNAL_FILE), 'w');
    const header = `${JSON.stringify({ format: FORMAT, generation } satisfies Header)}\n`;
    writeSync(this.fd, header);
    fsyncSync(this.fd);
    this.generation = generation;
    this.journalChars = header.length;
  }

  /** Applies the file's records; a journal of another generation than the snapshot's is skipped. */
  private replay(
    file: string,
    expectedGeneration: number | undefined,
  ): { generation: number | undefined; records: number } {
    const path = join(this.options.dataDir, file);
    if (!existsSync(path)) return { generation: undefined, records: 0 };
    const lines = readFileSync(path, 'utf8').split('\n');
    // The text after the last newline is a write the crash cut short, never acknowledged.
    const torn = lines.pop();
    if (torn) this.options.log(`${file}: ignoring an incomplete last record (${torn.length} characters)`);
    if (lines.length === 0) return { generation: undefined, records: 0 };
    const header = this.parse(file, lines[0]!, 1) as unknown as Header;
    if (header.format !== FORMAT) throw new JournalCorruptError(file, 1);
    if (expectedGeneration !== undefined && header.generation !== expectedGeneration) {
      return { generation: header.generation, records: 0 };
    }
    for (let index = 1; index < lines.length; index += 1) {
      this.options.apply(this.parse(file, lines[index]!, index + 1));
    }
    return { generation: header.generation, records: lines.length - 1 };
  }

  private parse(file: string, line: string, number: number): JournalRecord {
    try {
      return JSON.parse(line) as JournalRecord;
    } catch (error) {
      throw new JournalCorruptError(file, number, { cause: error });
    }
  }
}
