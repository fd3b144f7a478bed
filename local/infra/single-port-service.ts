/**
 * One server process on one port (the DynamoDB-compatible server): the lifecycle they
 * share. Kafka is not one of them: it runs one to three nodes with a storage format step.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentPort, LocalComponent } from './component';
import { type ComponentArtifacts, ensureArtifacts, secondsSince } from './maven-artifacts';
import { assertPortFree, checkJava } from './preflight';
import {
  type CommandLine,
  type JavaLaunch,
  javaCommand,
  ServiceProcess,
  waitUntilReady,
} from './service-process';

export interface SinglePortServiceSettings {
  readonly name: string;
  readonly port: number;
  /** The variable that sets the port, named in the busy-port message. */
  readonly portEnvName: string;
  readonly dataDir: string;
  readonly logDir: string;
  /** Log file name inside `logDir`. */
  readonly logFileName: string;
  readonly readyTimeoutSeconds: number;
  readonly log: (line: string) => void;
}

/** A client that answers once the server does; closed after start-up. */
export interface ReadinessProbe {
  ready(): Promise<boolean>;
  close(): void;
}

export abstract class SinglePortService implements LocalComponent {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  protected readonly log: (line: string) => void;
  private process: ServiceProcess | undefined;

  protected constructor(private readonly settings: SinglePortServiceSettings) {
    this.name = settings.name;
    this.port = settings.port;
    this.dataDir = settings.dataDir;
    this.log = settings.log;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  ports(): readonly ComponentPort[] {
    return [{ port: this.port, envName: this.settings.portEnvName }];
  }

  /** The command line; runs before every start and may write files into `dataDir` first. */
  protected abstract launch(): Promise<CommandLine>;

  protected abstract readinessProbe(): ReadinessProbe;

  async start(): Promise<void> {
    if (this.process?.running) {
      return;
    }
    await assertPortFree(this.port, this.settings.portEnvName);
    mkdirSync(this.dataDir, { recursive: true });
    const command = await this.launch();
    const started = Date.now();
    this.process ??= new ServiceProcess({
      name: this.name,
      ...command,
      logFile: join(this.settings.logDir, this.settings.logFileName),
    });
    this.process.start();
    const probe = this.readinessProbe();
    try {
      await waitUntilReady(this.process, () => probe.ready(), this.settings.readyTimeoutSeconds * 1000);
    } finally {
      probe.close();
    }
    this.log(`${this.name} ready on ${this.endpoint} in ${secondsSince(started)} s.`);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }

  async kill(): Promise<void> {
    await this.process?.kill();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** A server run from jars on Maven Central: Java is checked and the jars fetched on first use. */
export abstract class JavaService extends SinglePortService {
  protected constructor(
    settings: SinglePortServiceSettings,
    private readonly artifacts: ComponentArtifacts,
  ) {
    super(settings);
  }

  protected abstract javaLaunch(libDir: string): Omit<JavaLaunch, 'libDir'>;

  protected async launch(): Promise<CommandLine> {
    checkJava();
    const libDir = await ensureArtifacts(this.artifacts, this.log);
    return javaCommand({ libDir, ...this.javaLaunch(libDir) });
  }
}
