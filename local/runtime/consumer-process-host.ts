/**
 * The pipeline's side of a consumer process (consumer-process.ts): forks it with the mappings and
 * functions it is to run, and lets the caller kill it (any signal, SIGKILL by default) and start it
 * again, as a Lambda poller or sandbox that dies on its own. Between runs the consumers are simply
 * down: records wait in Kafka and the lag, read here from the broker, grows. Also a MappingControl,
 * so the pipeline's lag, pause/resume and dashboard treat these consumers like the in-process ones.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { trackChild, untrackChild } from '../infra/child-registry';
import type {
  ConsumerProcessConfig,
  ConsumerProcessMessage,
  ConsumerProcessRequest,
  ConsumerProcessSnapshot,
} from './consumer-process-protocol';
import {
  type MappingActivity,
  type MappingStats,
  type PartitionLag,
  readConsumerLag,
  UnknownMappingError,
} from './event-source-mapping';
import type { LogSink } from './function-pool';
import type { MappingControl } from './mapping-control';

const BOOTSTRAP = fileURLToPath(new URL('./consumer-process-bootstrap.mjs', import.meta.url));

export interface ConsumerProcessOptions {
  /** What the process runs; `paused` is kept by the host (a pause outlives a restart). */
  readonly config: Omit<ConsumerProcessConfig, 'paused'>;
  /** Where the functions' and the process's own output goes. */
  readonly log: LogSink;
  /** The module forked. @default consumer-process-bootstrap.mjs (the real consumer process) */
  readonly entry?: string;
  /** How long start() waits for every group to be joined. @default 120 s (a group whose last member died waits for its session timeout) */
  readonly startTimeoutMs?: number;
  /** How long stop() waits for a graceful exit before SIGKILL. @default 20 s */
  readonly stopTimeoutMs?: number;
}

/** How a run of the process ended. */
export interface ConsumerProcessExit {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The consumer process did not come up (its start failed, it exited, or it took too long). */
export class ConsumerProcessStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsumerProcessStartError';
  }
}

/** A request to the consumer process failed or it was not running to answer. */
export class ConsumerProcessRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsumerProcessRequestError';
  }
}

interface Run {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ConsumerProcessExit>;
  ready: boolean;
  /** The pauses the process was started with. */
  readonly startedPaused: ReadonlySet<string>;
}

/** How often the counters are refreshed for stats() while the process runs. */
const SNAPSHOT_INTERVAL_MS = 1_000;
const REQUEST_TIMEOUT_MS = 10_000;

export class ConsumerProcess implements MappingControl {
  private run: Run | undefined;
  private readonly paused = new Set<string>();
  private snapshot: ConsumerProcessSnapshot = { mappings: [], functions: [] };
  private readonly activityListeners = new Set<(activity: MappingActivity) => void>();
  private readonly logListeners = new Set<LogSink>();
  private readonly exitListeners = new Set<(exit: ConsumerProcessExit) => void>();
  private readonly pending = new Map<
    number,
    { resolve: (snapshot: ConsumerProcessSnapshot | undefined) => void; reject: (error: Error) => void }
  >();
  private nextRequestId = 0;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private readonly kafka: Kafka;
  private admin: Promise<Admin> | undefined;
  private starts = 0;

  constructor(private readonly options: ConsumerProcessOptions) {
    this.kafka = new Kafka({
      clientId: 'order-pipeline-local-consumer-process-host',
      brokers: [...options.config.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200 },
    });
  }

  /** The running process's id; undefined while it is down. */
  get pid(): number | undefined {
    return this.run?.pid;
  }

  /** Whether the process runs and its consumers have joined their groups. */
  get running(): boolean {
    return this.run?.ready === true;
  }

  /** How many times the process was started (1 after the first start). */
  get startCount(): number {
    return this.starts;
  }

  /** Logical ids of the functions the process runs. */
  get functionLogicalIds(): readonly string[] {
    return this.options.config.functions.map((definition) => definition.logicalId);
  }

  /** Forks the process and resolves once every mapping joined its group; rejects if it is running. */
  async start(): Promise<void> {
    if (this.run)
      throw new ConsumerProcessStartError(`The consumer process already runs (pid ${this.run.pid})`);
    const child = fork(this.options.entry ?? BOOTSTRAP, [], {
      // Not the parent's flags (tsx or vitest loaders): the bootstrap registers what it needs.
      execArgv: [],
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    if (child.pid === undefined) {
      throw new ConsumerProcessStartError('The consumer process could not be forked');
    }
    trackChild(child);
    this.starts += 1;
    const pid = child.pid;
    const exited = new Promise<ConsumerProcessExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ pid, code, signal }));
    });
    const run: Run = { child, pid, exited, ready: false, startedPaused: new Set(this.paused) };
    this.run = run;
    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      if (stream)
        createInterface({ input: stream }).on('line', (line) => this.emitLog('consumer-process', name, line));
    }
    child.on('message', (message: ConsumerProcessMessage) => this.handleMessage(run, message));
    void exited.then((exit) => this.handleExit(run, exit));

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new ConsumerProcessStartError(
              `The consumer process was not ready within ${this.startTimeout / 1000} s`,
            ),
          ),
        this.startTimeout,
      );
      child.on('message', (message: ConsumerProcessMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'start-failed') {
          clearTimeout(timer);
          reject(new ConsumerProcessStartError(`The consumer process did not start: ${message.error}`));
        }
      });
      void exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new ConsumerProcessStartError(
            `The consumer process exited while starting (code ${exit.code}, signal ${exit.signal})`,
          ),
        );
      });
    });
    this.request({ type: 'start', config: { ...this.options.config, paused: [...this.paused] } });
    try {
      await ready;
    } catch (error) {
      child.kill('SIGKILL');
      await exited;
      throw error;
    }
    run.ready = true;
    this.syncPauses(run);
    this.snapshotTimer ??= setInterval(() => {
      this.refresh().catch(() => undefined);
    }, SNAPSHOT_INTERVAL_MS).unref();
  }

  /**
   * Sends `signal` (SIGKILL unless told otherwise) and resolves once the process is gone. Nothing
   * is stopped gracefully: batches in flight are lost with their uncommitted offsets.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ConsumerProcessExit> {
    const run = this.run;
    if (!run) throw new ConsumerProcessRequestError('The consumer process is not running');
    run.child.kill(signal);
    return run.exited;
  }

  /** Stops the process if it runs (gracefully) and starts it again. */
  async restart(): Promise<void> {
    await this.stopProcess();
    await this.start();
  }

  /** Stops the process gracefully (SIGKILL after stopTimeoutMs) and closes the host's broker client. */
  async stop(): Promise<void> {
    await this.stopProcess();
    clearInterval(this.snapshotTimer);
    this.snapshotTimer = undefined;
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((client) => client.disconnect()).catch(() => undefined);
  }

  /** Whether an invocation runs or waits in the process; false while it is down. */
  async busy(): Promise<boolean> {
    if (!this.running) return false;
    const snapshot = await this.refresh().catch(() => undefined);
    return snapshot?.functions.some((stats) => stats.running + stats.queued > 0) ?? false;
  }

  /** Every invocation started and finished and every offset committed in the process. */
  onActivity(listener: (activity: MappingActivity) => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** Every line the process's functions (and the process itself) write. */
  onFunctionLog(listener: LogSink): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Every exit of the process, whether asked for or not. */
  onExit(listener: (exit: ConsumerProcessExit) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** The counters of the last run (kept while the process is down), with the current pauses. */
  stats(): MappingStats[] {
    const { mappings } = this.options.config;
    return mappings
      .filter((definition) => definition.enabled)
      .map((definition) => {
        const seen = this.snapshot.mappings.find((stats) => stats.logicalId === definition.logicalId);
        return {
          logicalId: definition.logicalId,
          functionLogicalId: definition.functionLogicalId,
          consumerGroupId: definition.consumerGroupId,
          topics: definition.topics,
          recordsIn: seen?.recordsIn ?? 0,
          batches: seen?.batches ?? 0,
          invocations: seen?.invocations ?? 0,
          functionErrors: seen?.functionErrors ?? 0,
          failuresSent: seen?.failuresSent ?? 0,
          lastBatchAt: seen?.lastBatchAt,
          paused: this.paused.has(definition.logicalId),
        };
      });
  }

  /** Read from the broker, so it answers while the process is down too. */
  async getLag(): Promise<PartitionLag[]> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    const admin = await this.admin.catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return readConsumerLag(admin, this.options.config.mappings);
  }

  pause(name: string): string[] {
    return this.setPaused(name, true);
  }

  resume(name: string): string[] {
    return this.setPaused(name, false);
  }

  private get startTimeout(): number {
    return this.options.startTimeoutMs ?? 120_000;
  }

  private setPaused(name: string, paused: boolean): string[] {
    const matched = this.options.config.mappings.filter((definition) =>
      [definition.logicalId, definition.functionLogicalId, definition.consumerGroupId].includes(name),
    );
    if (matched.length === 0) {
      throw new UnknownMappingError(
        `No event source mapping '${name}' in the consumer process; known: ${this.options.config.mappings.map((m) => m.logicalId).join(', ')}`,
      );
    }
    for (const { logicalId } of matched) {
      if (paused) this.paused.add(logicalId);
      else this.paused.delete(logicalId);
    }
    const run = this.run;
    if (run?.ready) {
      this.ask({ type: paused ? 'pause' : 'resume', id: this.nextId(), name }).catch((error: unknown) =>
        this.emitLog(
          'consumer-process',
          'stderr',
          `${paused ? 'pause' : 'resume'} ${name} failed: ${String(error)}`,
        ),
      );
    }
    return matched.map((definition) => definition.logicalId);
  }

  /** Pauses asked for while the process was starting reach it once it is ready. */
  private syncPauses(run: Run): void {
    const changes: [string, 'pause' | 'resume'][] = [
      ...[...this.paused]
        .filter((id) => !run.startedPaused.has(id))
        .map((id) => [id, 'pause'] as [string, 'pause']),
      ...[...run.startedPaused]
        .filter((id) => !this.paused.has(id))
        .map((id) => [id, 'resume'] as [string, 'resume']),
    ];
    for (const [name, type] of changes) this.ask({ type, id: this.nextId(), name }).catch(() => undefined);
  }

  private async stopProcess(): Promise<void> {
    const run = this.run;
    if (!run) return;
    const timeout = this.options.stopTimeoutMs ?? 20_000;
    this.request({ type: 'stop', id: this.nextId() });
    const timer = setTimeout(() => run.child.kill('SIGKILL'), timeout);
    await run.exited;
    clearTimeout(timer);
  }

  private async refresh(): Promise<ConsumerProcessSnapshot | undefined> {
    return this.ask({ type: 'stats', id: this.nextId() });
  }

  private nextId(): number {
    return ++this.nextRequestId;
  }

  private request(request: ConsumerProcessRequest): void {
    const child = this.run?.child;
    if (child?.connected) child.send(request);
  }

  private ask(
    request: Extract<ConsumerProcessRequest, { id: number }>,
  ): Promise<ConsumerProcessSnapshot | undefined> {
    const child = this.run?.child;
    if (!child?.connected) {
      return Promise.reject(new ConsumerProcessRequestError('The consumer process is not running'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request.id);
        reject(
          new ConsumerProcessRequestError(`No answer to '${request.type}' within ${REQUEST_TIMEOUT_MS} ms`),
        );
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(request.id, {
        resolve: (snapshot) => {
          clearTimeout(timer);
          resolve(snapshot);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send(request);
    });
  }

  private handleMessage(run: Run, message: ConsumerProcessMessage): void {
    if (this.run !== run) return;
    switch (message.type) {
      case 'log':
        this.emitLog(message.functionName, message.stream, message.line);
        return;
      case 'activity':
        for (const listener of this.activityListeners) listener(message.activity);
        return;
      case 'reply': {
        if (message.snapshot) this.snapshot = message.snapshot;
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.snapshot);
        else pending.reject(new ConsumerProcessRequestError(message.error ?? 'request failed'));
        return;
      }
      default:
        return;
    }
  }

  private handleExit(run: Run, exit: ConsumerProcessExit): void {
    untrackChild(run.child);
    if (this.run === run) this.run = undefined;
    for (const pending of this.pending.values()) {
      pending.reject(new ConsumerProcessRequestError(`The consumer process exited (signal ${exit.signal})`));
    }
    this.pending.clear();
    this.emitLog(
      'consumer-process',
      exit.code === 0 ? 'stdout' : 'stderr',
      `pid ${exit.pid} exited (code ${exit.code}, signal ${exit.signal})`,
    );
    for (const listener of this.exitListeners) listener(exit);
  }

  private emitLog(functionName: string, stream: 'stdout' | 'stderr', line: string): void {
    this.options.log(functionName, stream, line);
    for (const listener of this.logListeners) listener(functionName, stream, line);
  }
}
