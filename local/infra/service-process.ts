/**
 * One child process of the local mode (a Kafka node, the DynamoDB-compatible server):
 * started with its output appended to a log file, stopped gracefully or killed with SIGKILL for
 * fault injection, and never left behind when Node exits (see `child-registry.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { trackChild, untrackChild } from './child-registry';
import { ComponentStartError } from './errors';

/** The program, its arguments and the folder it runs in. */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
}

export interface ServiceProcessOptions extends CommandLine {
  /** Name in messages, e.g. `kafka-1`. */
  readonly name: string;
  /** The process's stdout and stderr are appended here. */
  readonly logFile: string;
}

export interface JavaLaunch {
  /** Folder of jars; the classpath is `<libDir>/*`. */
  readonly libDir: string;
  readonly mainClass: string;
  readonly args: readonly string[];
  /** JVM flags such as heap size and system properties. */
  readonly jvmOptions: readonly string[];
}

/** The `java` command line of a main class run from a folder of jars. */
export function javaCommand(launch: JavaLaunch): CommandLine {
  return {
    command: 'java',
    args: [...launch.jvmOptions, '-cp', join(launch.libDir, '*'), launch.mainClass, ...launch.args],
  };
}

const DEFAULT_STOP_TIMEOUT_MS = 20_000;

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> | undefined;

  constructor(readonly options: ServiceProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process; readiness is the caller's to check (each component knows its own probe). */
  start(): void {
    if (this.running) {
      return;
    }
    mkdirSync(dirname(this.options.logFile), { recursive: true });
    const log = openSync(this.options.logFile, 'a');
    writeSync(log, `\n=== ${new Date().toISOString()} starting ${this.options.name}\n`);
    // In our process group, so whatever ends the group (a CI job's timeout, a kill of the group)
    // ends the child too; but started with SIGINT ignored (the JVM keeps an ignored SIGINT, and the
    // DynamoDB server is told to), so a terminal's Ctrl-C reaches only Node, which then stops the
    // consumers and producers before the broker and the tables they talk to (child-registry.ts).
    const child = spawn(
      '/bin/sh',
      ['-c', 'trap "" INT; exec "$0" "$@"', this.options.command, ...this.options.args],
      {
        cwd: this.options.cwd,
        stdio: ['ignore', log, log],
        detached: false,
      },
    );
    closeSync(log);
    this.child = child;
    trackChild(child);
    this.exit = new Promise((resolve) => {
      child.once('exit', (code) => {
        untrackChild(child);
        resolve(code);
      });
      child.once('error', () => {
        untrackChild(child);
        resolve(null);
      });
    });
  }

  /** Graceful stop (SIGTERM runs the process's shutdown hooks); SIGKILL when it does not end in time. */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
    if (!this.running || !this.child || !this.exit) {
      return;
    }
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      this.exit.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    // A pending timer would keep Node (e.g. vitest's main process) alive after everything stopped.
    clearTimeout(timer);
    if (!ended) {
      await this.kill();
    }
  }

  /** SIGKILL: no shutdown hooks, as a crashed machine; used by the fault-injection scenarios. */
  async kill(): Promise<void> {
    if (!this.running || !this.child || !this.exit) {
      return;
    }
    this.child.kill('SIGKILL');
    await this.exit;
  }

  /** Resolves when the process has exited; rejects nothing. */
  async exited(): Promise<number | null> {
    return this.exit ?? null;
  }

  /** A `ComponentStartError` for a process that died or never got ready, with its log's tail. */
  startError(reason: string): ComponentStartError {
    return new ComponentStartError(
      `${this.options.name} ${reason}. Log ${this.options.logFile}, last lines:\n${logTail(this.options.logFile)}`,
    );
  }
}

export function logTail(file: string, lines = 30): string {
  if (!existsSync(file)) {
    return '(no log written)';
  }
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it answers true; fails early with the process's log when the process dies,
 * and with a timeout error otherwise.
 */
export async function waitUntilReady(
  child: ServiceProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.running) {
      throw child.startError('exited before it was ready');
    }
    if (await probe().catch(() => false)) {
      return;
    }
    await delay(intervalMs);
  }
  throw child.startError(`was not ready after ${Math.round(timeoutMs / 1000)} s`);
}
