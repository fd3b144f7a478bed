/** What every real part of the local mode offers: the fault-injection scenarios drive them through it. */
export interface LocalComponent {
  /** Name in messages, e.g. `Kafka (1 broker)`. */
  readonly name: string;
  /** Checks prerequisites and ports, fetches jars on first use, starts and waits until ready. */
  start(): Promise<void>;
  /** Graceful stop; data stays. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash; data stays as the crash left it. */
  kill(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Ports the component will listen on, with the variable that sets each (for the pre-start check). */
  ports(): readonly ComponentPort[];
}

export interface ComponentPort {
  readonly port: number;
  readonly envName: string;
}

/** Reads a port from the environment, with a clear error for a value that is not a port. */
export function portFromEnv(envName: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[envName];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new RangeError(`${envName} must be a TCP port (1-65535), got '${raw}'`);
  }
  return port;
}
