/**
 * Checks made before anything starts, so that a missing tool or a busy port stops the local mode
 * with a clear message instead of leaving half of it running.
 */
import { spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { PortInUseError, PrerequisiteMissingError } from './errors';

export const MINIMUM_JAVA_VERSION = 17;

/** Returns the major version of `java` on the PATH; throws with what to install when absent or too old. */
export function checkJava(): number {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new PrerequisiteMissingError(
      `Java ${MINIMUM_JAVA_VERSION} or newer is needed to run Kafka locally, ` +
        "but 'java' was not found on the PATH. Install a JDK or JRE 17+ (e.g. 'apt-get install " +
        "openjdk-17-jre-headless', 'brew install openjdk@17') and run again.",
      { cause: result.error },
    );
  }
  const major = parseJavaMajorVersion(`${result.stderr}${result.stdout}`);
  if (major === undefined || major < MINIMUM_JAVA_VERSION) {
    throw new PrerequisiteMissingError(
      `Java ${MINIMUM_JAVA_VERSION} or newer is needed; 'java -version' reports ${major ?? 'an unknown version'}. ` +
        'Install a JDK or JRE 17+ and put it first on the PATH.',
    );
  }
  return major;
}

/** Parses `java -version` output: `"17.0.15"`, `"21"`, or the old `"1.8.0_392"` scheme. */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) {
    return undefined;
  }
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Throws with what to install when Maven, which fetches the jars on first use, is missing. */
export function checkMaven(): void {
  const result = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new PrerequisiteMissingError(
      "Maven is needed once to fetch the Kafka jars from Maven Central, but 'mvn' " +
        "was not found on the PATH. Install Maven 3.8+ (e.g. 'apt-get install maven', 'brew install maven') and " +
        'run again.',
      { cause: result.error },
    );
  }
}

/**
 * Throws `PortInUseError` when something already listens on the port. Binding is the only
 * reliable test: a connect probe misses a socket that listens but never accepts.
 */
export async function assertPortFree(port: number, envName: string, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        reject(
          new PortInUseError(
            port,
            `Port ${port} (${envName}) is already in use: another process listens on ${host}:${port} ` +
              `(a local mode already running?). Stop that process or set ${envName} to a free port.`,
            { cause: error },
          ),
        );
      } else {
        reject(error);
      }
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** True when a TCP connection to the port succeeds (someone serves there). */
export async function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
