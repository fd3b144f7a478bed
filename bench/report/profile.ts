/** Section 8: where the bench process spends its CPU under load. */
import type { BenchResult } from '../lib/results';
import type { ProfileFigures } from '../profile';
import { fmt, header, type Section, template } from './shared';

export function profileSection(result: BenchResult<ProfileFigures>): Section {
  const text = template('profile');
  const f = result.figures;
  const load = f.load;
  const share = (part: number, whole: number): string => fmt((part / Math.max(whole, 1e-9)) * 100);
  const selfShare = new Map(f.groups.map((g) => [g.name, g.share]));
  const main = f.threads[0];
  const top = (f.groupsByCaller ?? f.groups).filter((g) => g.kind !== 'node').slice(0, 3);
  const costliest = f.topFunctions[0];
  const jvms = Object.entries(load.cpu.byProcess)
    .filter(([name]) => name.includes('JVM'))
    .map(([name, value]) => `${name} ${fmt(value)} %`)
    .join(', ');
  const markdown = text.render({
    header: header(result),
    rate: String(result.settings.rate),
    durationSeconds: String(result.settings.durationSeconds),
    checkoutP50: fmt(load.checkoutLatencyMs.p50),
    checkoutP99: fmt(load.checkoutLatencyMs.p99),
    confirmP50: fmt(load.confirmLatencyMs.p50),
    confirmP99: fmt(load.confirmLatencyMs.p99),
    consumersIdle: load.consumersIdle,
    loadavgAtWindowStart: load.loadavgAtWindowStart.join(' / '),
    loadavgAtWindowEnd: load.loadavgAtWindowEnd.join(' / '),
    profileFiles: f.profileFiles,
    profileDir: f.profileDir,
    threadRows: text.each('thread', f.threads, (t) => ({
      label: t.label,
      pooled: t.threads > 1,
      threads: t.threads,
      sampledMs: fmt(t.sampledMs),
      idleMs: fmt(t.idleMs),
      gcMs: fmt(t.gcMs),
      busyMs: fmt(t.busyMs),
      busyMsPerOrder: fmt(t.busyMsPerOrder, 1),
      topGroups: t.topGroups
        .filter((g) => g.name !== '(garbage collector)')
        .slice(0, 4)
        .map((g) => `${g.name} ${share(g.ms, t.busyMs)} %`)
        .join(', '),
    })),
    groupRows: (f.groupsByCaller ?? f.groups)
      .slice(0, 15)
      .map((g) =>
        text.snippet('group', {
          name: g.name,
          kind: g.kind,
          selfShare: fmt(selfShare.get(g.name) ?? 0, 1),
          share: fmt(g.share, 1),
          msPerOrder: fmt(g.msPerOrder, 1),
          procCpuMsPerOrder: fmt(g.procCpuMsPerOrder, 1),
        }),
      )
      .join('\n'),
    functionRows: text.each('function', f.topFunctions, (fn) => ({
      functionName: fn.functionName,
      location: fn.location,
      bucket: fn.bucket,
      selfMs: fmt(fn.selfMs),
      share: fmt(fn.share, 1),
    })),
    windowSeconds: fmt(load.windowSeconds, 1),
    ordersPlaced: load.ordersPlaced,
    accepted: load.accepted,
    confirmed: load.confirmed,
    busyMs: fmt(f.busyMs),
    cpuMsPerOrder: fmt(f.cpuMsPerOrder, 1),
    // Busy ms per second of the window, as a percentage of one core.
    averageCorePercent: fmt(f.busyMs / Math.max(load.windowSeconds, 1e-9) / 10),
    procCpuMsPerOrder: fmt(f.procCpuMsPerOrder, 1),
    mainShare: share(main?.busyMs ?? 0, f.busyMs),
    mainLabel: main?.label ?? '-',
    workerShare: share(f.busyMs - (main?.busyMs ?? 0), f.busyMs),
    gcShare: share(f.gcMs, f.busyMs),
    largestGroups: text.each(
      'largest-group',
      top,
      (g) => ({
        name: g.name,
        share: fmt(g.share),
        procCpuMsPerOrder: fmt(g.procCpuMsPerOrder, 1),
      }),
      ', ',
    ),
    functionsSampled: costliest !== undefined,
    costliestFunction: costliest?.functionName,
    costliestLocation: costliest?.location,
    costliestShare: fmt(costliest?.share, 1),
    benchProcessPercent: fmt(
      Object.entries(load.cpu.byProcess).find(([name]) => name.startsWith('bench-node'))?.[1],
    ),
    jvmsSampled: jvms !== '',
    jvms,
    machineBusy: fmt(load.cpu.machineBusyPercent),
    beforeWindowBusyMs: fmt(f.beforeWindow.busyMs),
    beforeWindowLeaders: f.beforeWindow.groups
      .slice(0, 3)
      .map((g) => `${g.name} ${fmt(g.ms)} ms`)
      .join(', '),
  });
  return {
    markdown,
    charts: [],
    summary: [
      text.snippet('summary', {
        mode: result.mode,
        procCpuMsPerOrder: fmt(f.procCpuMsPerOrder, 1),
        cpuMsPerOrder: fmt(f.cpuMsPerOrder, 1),
        leaders: top.map((g) => `${g.name} ${fmt(g.share)} %`).join(', '),
      }),
    ],
  };
}
