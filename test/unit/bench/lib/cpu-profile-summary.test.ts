import { describe, expect, it } from 'vitest';
import {
  type CpuProfile,
  classifyFrame,
  isMainThreadProfile,
  MAIN_THREAD_LABEL,
  summariseByLabel,
  summariseOverall,
  summariseProfile,
  threadLabel,
} from '../../../../bench/lib/cpu-profile-summary';

const ROOT = '/repo';

const frame = (functionName: string, url = '', lineNumber = -1) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: lineNumber < 0 ? -1 : 4,
});

/**
 * A handler worker: root -> entry module -> (handler -> kafkajs decode, @smithy serialize, JSON.parse)
 * plus idle, GC and program. Samples every 1 ms from t = 1000 µs; the last sample lasts until endTime.
 */
function workerProfile(): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('(garbage collector)') },
      { id: 4, callFrame: frame('(program)') },
      {
        id: 5,
        callFrame: frame('', `file://${ROOT}/lambdas/payment/handlers/payment-commands.ts`, 0),
        children: [6],
      },
      {
        id: 6,
        callFrame: frame('handler', `file://${ROOT}/lambdas/payment/handlers/payment-commands.ts`, 41),
        children: [7, 8, 9, 10],
      },
      { id: 7, callFrame: frame('decode', `file://${ROOT}/node_modules/kafkajs/src/protocol/decoder.js`, 9) },
      {
        id: 8,
        callFrame: frame('serialize', `file://${ROOT}/node_modules/@smithy/core/dist-cjs/index.js`, 99),
      },
      { id: 9, callFrame: frame('parse') },
      {
        id: 10,
        callFrame: frame('readableAddChunk', 'node:internal/streams/readable', 299),
        children: [11],
      },
      // An entry's import of another handlers module sits deeper: it must not name the thread.
      { id: 11, callFrame: frame('helper', `file://${ROOT}/lambdas/shared/handlers/other.ts`, 2) },
    ],
    startTime: 0,
    endTime: 12_000,
    // idle x3, gc, program, handler, decode x2, serialize, parse, streams
    samples: [2, 2, 2, 3, 4, 6, 7, 7, 8, 9, 10],
    timeDeltas: [1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000],
  };
}

describe('classifyFrame', () => {
  it('puts package, project, Node and V8 frames in their buckets with a 1-based file:line:column', () => {
    // Prepare / Act
    const sdk = classifyFrame(
      frame('send', `file://${ROOT}/node_modules/@aws-sdk/client-sfn/dist/index.js`, 9),
      ROOT,
    );
    const nested = classifyFrame(frame('x', `${ROOT}/node_modules/a/node_modules/zod/v4/core.js`, 0), ROOT);
    const project = classifyFrame(frame('run', `file://${ROOT}/local/stepfunctions/engine.ts`, 11), ROOT);
    const bench = classifyFrame(frame('tick', `file://${ROOT}/bench/lib/load-generator.ts`, 0), ROOT);
    const internal = classifyFrame(frame('emit', 'node:internal/streams/readable', 1), ROOT);
    const builtin = classifyFrame(frame('stringify'), ROOT);

    // Assess
    expect(sdk).toEqual({
      kind: 'package',
      bucket: 'node_modules/@aws-sdk/client-sfn',
      group: '@aws-sdk/*',
      location: 'node_modules/@aws-sdk/client-sfn/dist/index.js:10:5',
    });
    expect(nested).toMatchObject({ bucket: 'node_modules/zod', group: 'zod' });
    expect(project).toMatchObject({
      kind: 'project',
      bucket: 'local/stepfunctions',
      location: 'local/stepfunctions/engine.ts:12:5',
    });
    expect(bench).toMatchObject({ kind: 'project', bucket: 'bench' });
    expect(internal).toMatchObject({
      kind: 'node',
      bucket: 'node:internal/streams',
      group: 'node internals',
    });
    expect(builtin).toMatchObject({
      kind: 'v8',
      bucket: 'V8 builtins (native)',
      location: '(native) stringify',
    });
  });
});

describe('summariseProfile', () => {
  it('splits a worker thread into sampled, idle, GC, program and busy time, by bucket and function', () => {
    // Prepare
    const profile = workerProfile();

    // Act
    const summary = summariseProfile(profile, { repoRoot: ROOT, isMain: false });

    // Assess
    expect(summary.label).toBe('lambdas/payment/handlers/payment-commands.ts');
    expect(summary.sampledMs).toBe(11);
    expect(summary.idleMs).toBe(3);
    expect(summary.gcMs).toBe(1);
    expect(summary.programMs).toBe(1);
    expect(summary.busyMs).toBe(8);
    expect(summary.groups.map((g) => [g.name, g.ms])).toEqual([
      ['kafkajs', 2],
      ['(garbage collector)', 1],
      ['(program)', 1],
      ['lambdas/payment', 1],
      ['@smithy/*', 1],
      ['V8 builtins (native)', 1],
      ['node internals', 1],
    ]);
    // The builtin and the stream read the handler called are charged to it, next to its own sample.
    expect(summary.groupsByCaller.map((g) => [g.name, g.ms])).toEqual([
      ['lambdas/payment', 3],
      ['kafkajs', 2],
      ['(garbage collector)', 1],
      ['(program)', 1],
      ['@smithy/*', 1],
    ]);
    expect(summary.buckets.find((b) => b.name === 'node_modules/@smithy/core')?.ms).toBe(1);
    expect(summary.functions[0]).toEqual({
      functionName: 'decode',
      location: 'node_modules/kafkajs/src/protocol/decoder.js:10:5',
      bucket: 'node_modules/kafkajs',
      selfMs: 2,
    });
  });

  it('counts only the samples inside the window', () => {
    // Prepare: samples at 1000 .. 11000 µs; the window keeps those at 6000 .. 8000 (handler, decode x2)
    const profile = workerProfile();

    // Act
    const summary = summariseProfile(profile, {
      repoRoot: ROOT,
      isMain: false,
      window: { startUs: 6_000, endUs: 9_000 },
    });

    // Assess
    expect(summary.sampledMs).toBe(3);
    expect(summary.idleMs).toBe(0);
    expect(summary.groups.map((g) => [g.name, g.ms])).toEqual([
      ['kafkajs', 2],
      ['lambdas/payment', 1],
    ]);
  });
});

describe('threadLabel', () => {
  it('names the main thread by what it hosts and a worker without a handler by what it ran', () => {
    // Prepare
    const esbuild: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('run', `file://${ROOT}/node_modules/esbuild/lib/main.js`, 5) },
      ],
      startTime: 0,
      endTime: 1,
    };

    // Act / Assess
    expect(threadLabel(workerProfile(), ROOT, true)).toBe(MAIN_THREAD_LABEL);
    expect(threadLabel(esbuild, ROOT, false)).toBe('worker: esbuild service (tsx transforms)');
  });
});

describe('summariseByLabel and summariseOverall', () => {
  it('merges the environments of one function into a row and adds every thread up', () => {
    // Prepare
    const one = summariseProfile(workerProfile(), { repoRoot: ROOT, isMain: false });
    const main = summariseProfile(workerProfile(), { repoRoot: ROOT, isMain: true });

    // Act
    const rows = summariseByLabel([one, one, main]);
    const overall = summariseOverall([one, one, main]);

    // Assess
    expect(rows.map((row) => [row.label, row.threads, row.busyMs])).toEqual([
      [MAIN_THREAD_LABEL, 1, 8],
      ['lambdas/payment/handlers/payment-commands.ts', 2, 16],
    ]);
    expect(rows[1]?.functions[0]).toMatchObject({ functionName: 'decode', selfMs: 4 });
    expect(overall.busyMs).toBe(24);
    expect(overall.gcMs).toBe(3);
    expect(overall.groups[0]).toEqual({ name: 'kafkajs', kind: 'package', ms: 6 });
  });
});

describe('isMainThreadProfile', () => {
  it('reads the thread id from the file name Node gives a profile', () => {
    // Act / Assess
    expect(isMainThreadProfile('CPU.20261125.003700.4242.0.001.cpuprofile')).toBe(true);
    expect(isMainThreadProfile('CPU.20261125.003700.4242.7.009.cpuprofile')).toBe(false);
  });
});
