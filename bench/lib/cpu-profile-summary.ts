/**
 * Reads V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per thread) and says where the time
 * went: per thread the sampled, idle, GC and busy milliseconds, self time per bucket (an npm
 * package, a project area such as lambdas/payment or local/stepfunctions, a Node internal module,
 * V8 itself) and the costliest functions with their file:line. Pure: profiles in, figures out.
 *
 * A profile samples what a thread was doing, not whether a core ran it: "(idle)" is the event loop
 * waiting, and everything else is counted as busy (a thread blocked in a synchronous call is busy
 * for the profile even though it burns no CPU).
 */

/** The subset of the DevTools `Profile` object that a .cpuprofile file holds. */
export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  /** Microseconds on the monotonic clock (process.hrtime's clock). */
  readonly startTime: number;
  readonly endTime: number;
  /** Node id of each sample. */
  readonly samples?: readonly number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  readonly timeDeltas?: readonly number[];
}

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    /** 0-based, in the code V8 ran (for tsx-compiled sources: the transpiled code). */
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  readonly children?: readonly number[];
}

export type BucketKind = 'package' | 'project' | 'node' | 'v8' | 'other';

export interface FrameClass {
  readonly kind: BucketKind;
  /** node_modules/<pkg>, lambdas/<context>, local/<dir>, node:internal/<dir>, (garbage collector) ... */
  readonly bucket: string;
  /** The bucket rolled up: scoped families (@aws-sdk/*, @smithy/*) become one group. */
  readonly group: string;
  /** Path relative to the repository (or the node: id) with a 1-based line:column, for reading. */
  readonly location: string;
}

export interface BucketCost {
  readonly name: string;
  readonly kind: BucketKind;
  readonly ms: number;
}

export interface FunctionCost {
  readonly functionName: string;
  readonly location: string;
  readonly bucket: string;
  readonly selfMs: number;
}

export interface ThreadSummary {
  readonly label: string;
  readonly sampledMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  /** V8's "(program)": native code outside JavaScript (libuv, the inspector, the embedder). */
  readonly programMs: number;
  /** sampledMs - idleMs. */
  readonly busyMs: number;
  /** Busy self time by exact bucket, largest first (idle excluded). */
  readonly buckets: readonly BucketCost[];
  /** Busy self time by rolled-up group, largest first (idle excluded). */
  readonly groups: readonly BucketCost[];
  /**
   * As `groups`, but time in Node internals and V8 builtins is charged to the group of the nearest
   * calling package or project frame (a socket write to the SDK that sent the request); only what
   * no package called (event loop, timers) stays with Node. GC and "(program)" stay as they are.
   */
  readonly groupsByCaller: readonly BucketCost[];
  /** Every function with busy self time, largest first. */
  readonly functions: readonly FunctionCost[];
}

/** A time window in the profile's clock (µs, monotonic); samples outside it are ignored. */
export interface ProfileWindow {
  readonly startUs: number;
  readonly endUs: number;
}

export const MAIN_THREAD_LABEL = 'main: API + ESM + SFN emulators + generator';

const IDLE = '(idle)';
const GC = '(garbage collector)';
const PROGRAM = '(program)';
const V8_SPECIAL = new Set([IDLE, GC, PROGRAM, '(root)']);
/** Scopes whose packages are one family to a reader (one SDK, one toolkit). */
const FAMILIES = ['@aws-sdk', '@smithy', '@aws-lambda-powertools', '@aws-crypto'];
const HANDLER_ENTRY = /(lambdas\/[^/]+\/handlers\/[^/]+\.[cm]?[jt]s)$/;

/** Turns a file:// URL or path into a path relative to the repository root (or absolute outside it). */
function relativePath(url: string, repoRoot: string): string {
  let path = url;
  if (path.startsWith('file://')) {
    try {
      path = decodeURIComponent(new URL(path).pathname);
    } catch {
      path = path.slice('file://'.length);
    }
  }
  const root = repoRoot.endsWith('/') ? repoRoot : `${repoRoot}/`;
  return path.startsWith(root) ? path.slice(root.length) : path;
}

function packageOf(path: string): string | undefined {
  const marker = 'node_modules/';
  const at = path.lastIndexOf(marker);
  if (at < 0) return undefined;
  const parts = path.slice(at + marker.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : parts[0];
}

function projectAreaOf(path: string): string {
  const parts = path.split('/');
  const [top, second] = parts;
  if ((top === 'lambdas' || top === 'local' || top === 'lib') && parts.length > 2) return `${top}/${second}`;
  return parts.length > 1 ? (top ?? path) : path;
}

/** Which bucket a call frame's self time goes to. */
export function classifyFrame(
  frame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  },
  repoRoot: string,
): FrameClass {
  const { functionName, url } = frame;
  // With the column: tsx's output of a .ts source keeps most of a module on one line.
  const line = frame.lineNumber >= 0 ? `:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : '';
  if (url === '') {
    if (V8_SPECIAL.has(functionName)) {
      return { kind: 'v8', bucket: functionName, group: functionName, location: functionName };
    }
    // Builtins (JSON.parse, RegExp exec, Atomics.wait ...) carry no script.
    return {
      kind: 'v8',
      bucket: 'V8 builtins (native)',
      group: 'V8 builtins (native)',
      location: `(native) ${functionName || '(anonymous)'}`,
    };
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    const bucket = parts[0] === 'internal' && parts.length > 2 ? `node:internal/${parts[1]}` : url;
    return { kind: 'node', bucket, group: 'node internals', location: `${url}${line}` };
  }
  const path = relativePath(url, repoRoot);
  const location = `${path}${line}`;
  const pkg = packageOf(path);
  if (pkg !== undefined) {
    const scope = pkg.split('/')[0]!;
    const group = FAMILIES.includes(scope) ? `${scope}/*` : pkg;
    return { kind: 'package', bucket: `node_modules/${pkg}`, group, location };
  }
  if (!path.startsWith('/') && !path.includes(':')) {
    const area = projectAreaOf(path);
    return { kind: 'project', bucket: area, group: area, location };
  }
  return { kind: 'other', bucket: 'other scripts', group: 'other scripts', location };
}

/** Depth of every node from the root, following `children`. */
function depths(profile: CpuProfile): Map<number, number> {
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const depth = new Map<number, number>();
  const stack: [number, number][] = profile.nodes
    .filter((node) => !childIds.has(node.id))
    .map((node) => [node.id, 0]);
  while (stack.length > 0) {
    const [id, d] = stack.pop()!;
    if (depth.has(id)) continue;
    depth.set(id, d);
    for (const child of byId.get(id)?.children ?? []) stack.push([child, d + 1]);
  }
  return depth;
}

/**
 * Names a thread: the main thread by what it hosts; a worker by the handler entry it loaded (the
 * handlers/ module nearest the root of its call tree, since an entry imports the rest).
 */
export function threadLabel(profile: CpuProfile, repoRoot: string, isMain: boolean): string {
  if (isMain) return MAIN_THREAD_LABEL;
  const depth = depths(profile);
  let best: { entry: string; depth: number } | undefined;
  for (const node of profile.nodes) {
    const match = HANDLER_ENTRY.exec(relativePath(node.callFrame.url, repoRoot));
    const d = depth.get(node.id) ?? Number.MAX_SAFE_INTEGER;
    if (match && (!best || d < best.depth)) best = { entry: match[1]!, depth: d };
  }
  if (best) return best.entry;
  if (profile.nodes.some((node) => node.callFrame.url.includes('node_modules/esbuild/'))) {
    return 'worker: esbuild service (tsx transforms)';
  }
  return 'worker: no handler loaded';
}

/** Milliseconds of each sample, by the DevTools rule: until the next sample (the last: until endTime). */
function sampleDurations(profile: CpuProfile): { at: number; ms: number; nodeId: number }[] {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const out: { at: number; ms: number; nodeId: number }[] = [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    const next = i + 1 < samples.length ? at + (deltas[i + 1] ?? 0) : profile.endTime;
    out.push({ at, ms: Math.max(0, next - at) / 1000, nodeId: samples[i]! });
  }
  return out;
}

function sortedCosts(map: Map<string, { kind: BucketKind; ms: number }>): BucketCost[] {
  return [...map]
    .map(([name, { kind, ms }]) => ({ name, kind, ms }))
    .filter((cost) => cost.ms > 0)
    .sort((a, b) => b.ms - a.ms);
}

/** Self time of one thread's profile, optionally only inside `window`. */
export function summariseProfile(
  profile: CpuProfile,
  options: { readonly repoRoot: string; readonly isMain: boolean; readonly window?: ProfileWindow },
): ThreadSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const classes = new Map<number, FrameClass>();
  const classOf = (node: CpuProfileNode): FrameClass => {
    let cls = classes.get(node.id);
    if (!cls) {
      cls = classifyFrame(node.callFrame, options.repoRoot);
      classes.set(node.id, cls);
    }
    return cls;
  };
  const buckets = new Map<string, { kind: BucketKind; ms: number }>();
  const groups = new Map<string, { kind: BucketKind; ms: number }>();
  const byCaller = new Map<string, { kind: BucketKind; ms: number }>();
  const callerClass = new Map<number, FrameClass>();
  const callerOf = (node: CpuProfileNode): FrameClass => {
    const known = callerClass.get(node.id);
    if (known) return known;
    const own = classOf(node);
    let owner = own;
    if (own.kind === 'node' || (own.kind === 'v8' && !V8_SPECIAL.has(node.callFrame.functionName))) {
      const parentId = parents.get(node.id);
      const parent = parentId === undefined ? undefined : byId.get(parentId);
      if (parent && parent.callFrame.functionName !== '(root)') {
        const inherited = callerOf(parent);
        if (inherited.kind === 'package' || inherited.kind === 'project' || inherited.kind === 'other') {
          owner = inherited;
        }
      }
    }
    callerClass.set(node.id, owner);
    return owner;
  };
  const functions = new Map<string, FunctionCost & { selfMs: number }>();
  let sampledMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  let programMs = 0;
  const add = (
    map: Map<string, { kind: BucketKind; ms: number }>,
    name: string,
    kind: BucketKind,
    ms: number,
  ) => {
    const entry = map.get(name);
    if (entry) entry.ms += ms;
    else map.set(name, { kind, ms });
  };
  for (const sample of sampleDurations(profile)) {
    if (options.window && (sample.at < options.window.startUs || sample.at >= options.window.endUs)) continue;
    const node = byId.get(sample.nodeId);
    if (!node) continue;
    sampledMs += sample.ms;
    const name = node.callFrame.functionName;
    if (node.callFrame.url === '' && name === IDLE) {
      idleMs += sample.ms;
      continue;
    }
    if (node.callFrame.url === '' && name === GC) gcMs += sample.ms;
    if (node.callFrame.url === '' && name === PROGRAM) programMs += sample.ms;
    const cls = classOf(node);
    add(buckets, cls.bucket, cls.kind, sample.ms);
    add(groups, cls.group, cls.kind, sample.ms);
    const caller = callerOf(node);
    add(byCaller, caller.group, caller.kind, sample.ms);
    const key = `${name}\u0000${cls.location}`;
    const fn = functions.get(key);
    if (fn) fn.selfMs += sample.ms;
    else
      functions.set(key, {
        functionName: name || '(anonymous)',
        location: cls.location,
        bucket: cls.bucket,
        selfMs: sample.ms,
      });
  }
  return {
    label: threadLabel(profile, options.repoRoot, options.isMain),
    sampledMs,
    idleMs,
    gcMs,
    programMs,
    busyMs: sampledMs - idleMs,
    buckets: sortedCosts(buckets),
    groups: sortedCosts(groups),
    groupsByCaller: sortedCosts(byCaller),
    functions: [...functions.values()].filter((fn) => fn.selfMs > 0).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** Threads with the same label (the environments of one function) as one row. */
export interface LabelSummary extends Omit<ThreadSummary, 'functions'> {
  readonly threads: number;
  readonly functions: readonly FunctionCost[];
}

function mergeCosts(lists: readonly (readonly BucketCost[])[]): BucketCost[] {
  const map = new Map<string, { kind: BucketKind; ms: number }>();
  for (const list of lists) {
    for (const cost of list) {
      const entry = map.get(cost.name);
      if (entry) entry.ms += cost.ms;
      else map.set(cost.name, { kind: cost.kind, ms: cost.ms });
    }
  }
  return sortedCosts(map);
}

function mergeFunctions(lists: readonly (readonly FunctionCost[])[]): FunctionCost[] {
  const map = new Map<string, FunctionCost & { selfMs: number }>();
  for (const list of lists) {
    for (const fn of list) {
      const key = `${fn.functionName}\u0000${fn.location}`;
      const entry = map.get(key);
      if (entry) entry.selfMs += fn.selfMs;
      else map.set(key, { ...fn });
    }
  }
  return [...map.values()].sort((a, b) => b.selfMs - a.selfMs);
}

/** Merges threads of the same label, busiest label first (the main thread always first). */
export function summariseByLabel(threads: readonly ThreadSummary[]): LabelSummary[] {
  const byLabel = new Map<string, ThreadSummary[]>();
  for (const thread of threads) byLabel.set(thread.label, [...(byLabel.get(thread.label) ?? []), thread]);
  const sum = (list: readonly ThreadSummary[], pick: (t: ThreadSummary) => number): number =>
    list.reduce((total, t) => total + pick(t), 0);
  return [...byLabel]
    .map(([label, list]) => ({
      label,
      threads: list.length,
      sampledMs: sum(list, (t) => t.sampledMs),
      idleMs: sum(list, (t) => t.idleMs),
      gcMs: sum(list, (t) => t.gcMs),
      programMs: sum(list, (t) => t.programMs),
      busyMs: sum(list, (t) => t.busyMs),
      buckets: mergeCosts(list.map((t) => t.buckets)),
      groups: mergeCosts(list.map((t) => t.groups)),
      groupsByCaller: mergeCosts(list.map((t) => t.groupsByCaller)),
      functions: mergeFunctions(list.map((t) => t.functions)),
    }))
    .sort((a, b) =>
      a.label === MAIN_THREAD_LABEL ? -1 : b.label === MAIN_THREAD_LABEL ? 1 : b.busyMs - a.busyMs,
    );
}

/** All threads together: busy time, buckets, groups and functions over the whole process. */
export function summariseOverall(threads: readonly ThreadSummary[]): {
  busyMs: number;
  gcMs: number;
  buckets: BucketCost[];
  groups: BucketCost[];
  groupsByCaller: BucketCost[];
  functions: FunctionCost[];
} {
  return {
    busyMs: threads.reduce((total, t) => total + t.busyMs, 0),
    gcMs: threads.reduce((total, t) => total + t.gcMs, 0),
    buckets: mergeCosts(threads.map((t) => t.buckets)),
    groups: mergeCosts(threads.map((t) => t.groups)),
    groupsByCaller: mergeCosts(threads.map((t) => t.groupsByCaller)),
    functions: mergeFunctions(threads.map((t) => t.functions)),
  };
}

/** `CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile`: thread 0 is the main thread. */
export function isMainThreadProfile(fileName: string): boolean {
  const parts = fileName.split('.');
  return parts.length >= 6 && parts.at(-3) === '0';
}
