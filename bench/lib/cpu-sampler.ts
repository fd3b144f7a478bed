/**
 * Who burns the CPU during a run: per process (the broker JVM, the DynamoDB server, the
 * bench's own Node process and its children) and per thread of the bench's process (the main
 * thread runs the API, event source mapping and Step Functions emulators; handler workers run in
 * worker threads). Read from /proc as CPU-time deltas, so a figure covers exactly one window;
 * 100 % is one core. The machine-wide share shows what other processes took meanwhile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { round2 } from './results';

const TICKS_PER_SECOND = 100;

export interface CpuWindow {
  readonly seconds: number;
  /** Machine-wide busy share of all cores, in % of one core (2 cores -> up to 200). */
  readonly machineBusyPercent: number;
  /** % of one core per process group (kafka, dynamodb-server, bench-node, other-node-children). */
  readonly byProcess: Readonly<Record<string, number>>;
  /** % of one core per thread name of the bench's own process, top entries. */
  readonly benchThreads: Readonly<Record<string, number>>;
}

interface Snapshot {
  readonly at: number;
  readonly machine: { busy: number; total: number };
  readonly processes: Map<string, number>;
  readonly threads: Map<string, number>;
}

function ticksOf(statLine: string): number {
  // Fields after the parenthesised comm; utime and stime are fields 14 and 15 (1-based).
  const rest = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

function readSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function classify(cmdline: string, marker: string): string | undefined {
  if (!cmdline.includes(marker)) return undefined;
  if (/kafka\.Kafka/.test(cmdline)) return 'kafka-broker (JVM)';
  if (/local\/dynamodb\/main/.test(cmdline)) return 'dynamodb-server (node)';
  return undefined;
}

export class CpuSampler {
  private last: Snapshot;

  /** @param marker a path fragment on the command line of the JVMs this run started (its data dir) */
  constructor(
    private readonly marker: string,
    private readonly childPids: () => readonly number[] = () => [],
  ) {
    this.last = this.snapshot();
  }

  private snapshot(): Snapshot {
    const cpu = (readSafe('/proc/stat') ?? '').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    const total = cpu.reduce((a, b) => a + b, 0);
    const processes = new Map<string, number>();
    const add = (map: Map<string, number>, key: string, ticks: number): void => {
      map.set(key, (map.get(key) ?? 0) + ticks);
    };
    const children = new Set(this.childPids());
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      let group: string | undefined;
      if (pid === process.pid) group = 'bench-node (API, ESM + SFN emulators, handler workers)';
      else if (children.has(pid)) group = 'bench child processes';
      else {
        const cmdline = readSafe(`/proc/${entry}/cmdline`)?.replaceAll('\0', ' ');
        group = cmdline ? classify(cmdline, this.marker) : undefined;
      }
      if (!group) continue;
      const stat = readSafe(`/proc/${entry}/stat`);
      if (stat) add(processes, group, ticksOf(stat));
    }
    const threads = new Map<string, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readSafe(`/proc/self/task/${tid}/stat`);
      if (!stat) continue;
      // Node names every thread 'node', so only the main thread can be told apart.
      const name =
        Number(tid) === process.pid
          ? 'main thread (API, ESM and SFN emulators)'
          : 'other threads (handler workers, GC, libuv)';
      add(threads, name, ticksOf(stat));
    }
    return { at: Date.now(), machine: { busy: total - idle, total }, processes, threads };
  }

  /** CPU use since the previous call (or construction). */
  window(): CpuWindow {
    const now = this.snapshot();
    const seconds = (now.at - this.last.at) / 1000;
    const pct = (ticks: number): number =>
      round2((ticks / TICKS_PER_SECOND / Math.max(seconds, 0.001)) * 100);
    const delta = (a: Map<string, number>, b: Map<string, number>): Record<string, number> =>
      Object.fromEntries(
        [...a]
          .map(([key, ticks]) => [key, pct(ticks - (b.get(key) ?? 0))] as const)
          .filter(([, value]) => value > 0.5)
          .sort((x, y) => y[1] - x[1])
          .slice(0, 8),
      );
    const cores = Math.max(
      1,
      readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length,
    );
    const busyShare =
      (now.machine.busy - this.last.machine.busy) / Math.max(1, now.machine.total - this.last.machine.total);
    const window: CpuWindow = {
      seconds: round2(seconds),
      machineBusyPercent: round2(busyShare * cores * 100),
      byProcess: delta(now.processes, this.last.processes),
      benchThreads: delta(now.threads, this.last.threads),
    };
    this.last = now;
    return window;
  }
}
