/**
 * Every child process the local mode started, so that none outlives Node: on a normal exit each
 * gets SIGTERM (the JVM then shuts down on its own); on SIGINT, SIGTERM or SIGHUP (the terminal
 * closed) the stop hooks run first, in the order their owners stop things, then the children get
 * SIGTERM and Node exits unless the application has its own handler for the signal. A second
 * signal during that stop ends the children at once (SIGKILL) and exits.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
const stopHooks = new Set<() => Promise<void>>();
let installed = false;

export function trackChild(child: ChildProcess): void {
  children.add(child);
  installHandlers();
}

export function untrackChild(child: ChildProcess): void {
  children.delete(child);
}

/** A graceful stop (e.g. a component's `stop()`) to run on SIGINT/SIGTERM before exiting. */
export function onShutdownSignal(hook: () => Promise<void>): () => void {
  stopHooks.add(hook);
  installHandlers();
  return () => stopHooks.delete(hook);
}

/** How many children are alive (tests and diagnostics). */
export function liveChildCount(): number {
  return children.size;
}

function installHandlers(): void {
  if (installed) {
    return;
  }
  installed = true;
  process.once('exit', () => {
    for (const child of children) {
      child.kill('SIGTERM');
    }
  });
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      void shutDown(signal);
    });
  }
}

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_CODES: Record<(typeof SHUTDOWN_SIGNALS)[number], number> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

let shuttingDown = false;

async function shutDown(signal: (typeof SHUTDOWN_SIGNALS)[number]): Promise<void> {
  if (shuttingDown) {
    for (const child of children) child.kill('SIGKILL');
    process.exit(EXIT_CODES[signal]);
  }
  shuttingDown = true;
  await Promise.allSettled([...stopHooks].map((hook) => hook()));
  for (const child of children) {
    child.kill('SIGTERM');
  }
  // Our listener is the only one: Node's default (exit on the signal) was disabled by adding it.
  if (process.listenerCount(signal) <= 1) {
    process.exit(EXIT_CODES[signal]);
  }
}
