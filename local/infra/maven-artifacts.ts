/**
 * Fetches a component's jars (with their runtime dependencies) from Maven Central through Maven
 * itself, into `.local/cache/maven-libs/<component>/lib`. Maven's own repository (~/.m2) keeps the
 * downloads too, so a reset or a fresh clone on the same machine copies instead of downloading.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactFetchError } from './errors';
import { mavenLibsDir } from './paths';
import { checkMaven } from './preflight';
import { isProcessAlive } from './process-alive';

export interface MavenArtifact {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
}

export interface ComponentArtifacts {
  /** Folder name under the cache, e.g. `kafka`. */
  readonly component: string;
  /** What a person reads in the first-use message, e.g. `Apache Kafka 4.4.0`. */
  readonly displayName: string;
  readonly artifacts: readonly MavenArtifact[];
}

const COMPLETE_MARKER = '.complete.json';

/** The folder holding the component's jars, `lib/*` being its classpath. */
export function artifactsLibDir(spec: ComponentArtifacts): string {
  return join(mavenLibsDir(spec.component), 'lib');
}

/** True when the jars of exactly these artifacts are already in the cache. */
export function artifactsCached(spec: ComponentArtifacts): boolean {
  const marker = join(artifactsLibDir(spec), COMPLETE_MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8') === markerContent(spec);
}

/**
 * Makes sure the component's jars are in the cache and returns their folder. The first use runs
 * Maven (`dependency:copy-dependencies` on a generated pom) and prints what it fetches and how long it took.
 */
export async function ensureArtifacts(
  spec: ComponentArtifacts,
  log: (line: string) => void = console.log,
): Promise<string> {
  const libDir = artifactsLibDir(spec);
  if (artifactsCached(spec)) {
    return libDir;
  }
  checkMaven();
  const componentDir = mavenLibsDir(spec.component);
  mkdirSync(componentDir, { recursive: true });
  // Two first uses at once (a test run and `npm start`) must not delete each other's jars.
  const release = await lockFetch(componentDir, log);
  try {
    if (artifactsCached(spec)) {
      return libDir;
    }
    return await fetchInto(spec, componentDir, libDir, log);
  } finally {
    release();
  }
}

async function fetchInto(
  spec: ComponentArtifacts,
  componentDir: string,
  libDir: string,
  log: (line: string) => void,
): Promise<string> {
  // A changed version must not leave the old jars on the classpath.
  rmSync(libDir, { recursive: true, force: true });
  writeFileSync(join(componentDir, 'pom.xml'), pomFor(spec));
  log(
    `First use: fetching ${spec.displayName} and its dependencies from Maven Central with Maven into ${libDir} ...`,
  );
  const started = Date.now();
  // Progress while Maven downloads: a slow mirror can take minutes on the first start.
  let downloads = 0;
  const progress = setInterval(
    () => log(`  ... ${downloads} files downloaded so far (${secondsSince(started)} s)`),
    PROGRESS_INTERVAL_MS,
  );
  const { code, output } = await runMaven(
    componentDir,
    ['-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`, '-DincludeScope=runtime'],
    (line) => {
      if (line.includes('Downloaded from ')) downloads += 1;
    },
  ).finally(() => clearInterval(progress));
  if (code !== 0 || !existsSync(libDir) || readdirSync(libDir).length === 0) {
    throw new ArtifactFetchError(
      `Maven could not fetch ${spec.displayName} (exit code ${code}); Maven said:\n${output.slice(-4_000)}`,
    );
  }
  writeFileSync(join(libDir, COMPLETE_MARKER), markerContent(spec));
  log(
    `Fetched ${spec.displayName}: ${readdirSync(libDir).length - 1} files (${downloads} downloads) in ${secondsSince(started)} s.`,
  );
  return libDir;
}

const PROGRESS_INTERVAL_MS = 5_000;

function runMaven(
  cwd: string,
  args: readonly string[],
  onLine: (line: string) => void,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let partial = '';
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString();
      output = (output + text).slice(-20_000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line.trim());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) =>
      reject(new ArtifactFetchError('Maven could not be started', { cause: error })),
    );
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** A pom with the artifacts as dependencies; `pom` packaging so Maven builds nothing. */
export function pomFor(spec: ComponentArtifacts): string {
  const dependencies = spec.artifacts
    .map(
      (artifact) =>
        `    <dependency><groupId>${artifact.groupId}</groupId><artifactId>${artifact.artifactId}</artifactId>` +
        `<version>${artifact.version}</version></dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by local/infra/maven-artifacts.ts: the jars of ${spec.displayName} for the local mode. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>order-pipeline.local</groupId>
  <artifactId>${spec.component}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${dependencies}
  </dependencies>
</project>
`;
}

function markerContent(spec: ComponentArtifacts): string {
  return JSON.stringify(spec.artifacts);
}

/** A lock folder naming its owner; a lock whose owner died is taken over. */
async function lockFetch(componentDir: string, log: (line: string) => void): Promise<() => void> {
  const lock = join(componentDir, '.fetch.lock');
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner.pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch {
      const ownerFile = join(lock, 'owner.pid');
      const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
      if (owner > 0 && !isProcessAlive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) {
        log(`Waiting for another process (${owner || 'starting'}) fetching into ${componentDir} ...`);
        announced = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

export function secondsSince(startedMs: number): string {
  return ((Date.now() - startedMs) / 1000).toFixed(1);
}
