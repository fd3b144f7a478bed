/**
 * Every child process the local mode started, so that none outlives Node: on a normal exit each
 * gets SIGTERM (the JVM then shuts down on its own); on SIGINT/SIGTERM we first stop them and wait,
 * then exit unless the application has its own handler for the signal.
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
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      void shutDown(signal);
    });
  }
}

let shuttingDown = false;

async function shutDown(signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  if (shuttingDown) {
    return;
  }
  shuttingDown = true;
  await Promise.allSettled([...stopHooks].map((hook) => hook()));
  for (const child of children) {
    child.kill('SIGTERM');
  }
  // Our listener is the only one: Node's default (exit on the signal) was disabled by adding it.
  if (process.listenerCount(signal) <= 1) {
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
}
