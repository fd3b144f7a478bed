/**
 * One JVM server on one port (DynamoDB Local, ElasticMQ): the lifecycle both share. Kafka is not
 * one of them: it runs one to three nodes with a storage format step.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentPort, LocalComponent } from './component';
import { JavaProcess, type JavaProcessOptions, waitUntilReady } from './java-process';
import { type ComponentArtifacts, ensureArtifacts, secondsSince } from './maven-artifacts';
import { assertPortFree, checkJava } from './preflight';

export interface JavaServiceSettings {
  readonly name: string;
  readonly port: number;
  /** The variable that sets the port, named in the busy-port message. */
  readonly portEnvName: string;
  readonly artifacts: ComponentArtifacts;
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

export abstract class JavaService implements LocalComponent {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  protected readonly log: (line: string) => void;
  private process: JavaProcess | undefined;

  protected constructor(private readonly settings: JavaServiceSettings) {
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

  /** Main class, arguments and JVM flags; may write files into `dataDir` first. */
  protected abstract launch(libDir: string): Pick<JavaProcessOptions, 'mainClass' | 'args' | 'jvmOptions'>;

  protected abstract readinessProbe(): ReadinessProbe;

  async start(): Promise<void> {
    checkJava();
    if (this.process?.running) {
      return;
    }
    await assertPortFree(this.port, this.settings.portEnvName);
    const libDir = await ensureArtifacts(this.settings.artifacts, this.log);
    const started = Date.now();
    mkdirSync(this.dataDir, { recursive: true });
    const launch = this.launch(libDir);
    this.process ??= new JavaProcess({
      name: this.name,
      libDir,
      ...launch,
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
