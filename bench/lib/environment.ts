/**
 * The system under test for the benchmarks that need the real parts: a private LocalServices (its own
 * Kafka broker and the DynamoDB server on ports and a data folder of its own, so a developer's
 * `npm start` or a running test suite is never touched) and the whole pipeline on top of it.
 *
 * The local mode runs the dev stage's templates, whose API throttle is 50 requests/s (burst 100);
 * the ramp goes to 417 orders/s (100x the shop's peak), the figure the prod stage is sized and throttled for
 * (500/s, burst 1000). The benchmark therefore applies the prod throttle to the local API: the
 * figures measure the pipeline, not the dev stage's deliberate limit.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TABLE_ENV_VARS } from '../../lib/config/functions';
import { STAGES } from '../../lib/config/stages';
import { TokenBucket } from '../../local/api/token-bucket';
import { localDynamoDbClient } from '../../local/infra/aws-clients';
import { DEMO_CATALOGUE, seedCatalogue } from '../../local/infra/demo-catalogue';
import { PortInUseError } from '../../local/infra/errors';
import { CONTROLLER_PORT_OFFSET } from '../../local/infra/kafka-cluster';
import { LocalServices, type LocalServicesInfo } from '../../local/infra/local-services';
import { repositoryRoot } from '../../local/infra/paths';
import { assertPortFree } from '../../local/infra/preflight';
import { type RunningPipeline, startPipeline } from '../../local/pipeline';
import { ensureTemplates } from '../../local/pipeline/synth';
import { stageTemplates } from '../../local/runtime/cfn-template';

export const BENCH_DATA_MARKER = join('.local', 'bench-stack');

export interface BenchEnvironment {
  readonly info: LocalServicesInfo;
  readonly pipeline: RunningPipeline;
  readonly stop: () => Promise<void>;
}

export interface BenchPorts {
  readonly kafka: number;
  readonly dynamodb: number;
}

/**
 * Ports far from the harness's (19092 ...), its private stacks' (29092 ...) and the user's, and
 * below Linux's ephemeral range (32768-60999) with their controller ports (+1000): a port in that
 * range can be the local end of any outgoing connection at that moment. Taken ones are skipped.
 */
export const BENCH_BASE_PORTS: BenchPorts = { kafka: 24_092, dynamodb: 23_000 };

export interface BenchEnvironmentOptions {
  /**
   * Data folder (relative to the repository) of the stack; also the marker the CPU sampler finds
   * its JVMs by. A second environment beside a running benchmark needs its own.
   * @default BENCH_DATA_MARKER
   */
  readonly dataMarker?: string;
  /** First port set tried (then +10 ... +40 while taken). @default BENCH_BASE_PORTS */
  readonly basePorts?: BenchPorts;
}

async function basePorts(base: BenchPorts): Promise<BenchPorts> {
  for (let offset = 0; offset < 50; offset += 10) {
    const ports = { kafka: base.kafka + offset, dynamodb: base.dynamodb + offset };
    // Free to bind, the test the parts' own start makes: a port nothing answers on can still be
    // held, for instance as the local end of an outgoing connection.
    const free = await Promise.all(
      [ports.kafka, ports.kafka + CONTROLLER_PORT_OFFSET, ports.dynamodb].map((port) =>
        assertPortFree(port, 'bench port').then(
          () => true,
          (error: unknown) => (error instanceof PortInUseError ? false : Promise.reject(error)),
        ),
      ),
    );
    if (free.every(Boolean)) return ports;
  }
  throw new Error(`No free port set for the benchmark stack (Kafka ${base.kafka}-${base.kafka + 40})`);
}

function applyProdThrottle(): void {
  const prod = STAGES.prod.apiThrottle;
  const prototype = TokenBucket.prototype as unknown as {
    tryTake(): boolean;
    __benchPatched?: boolean;
  };
  if (prototype.__benchPatched) return;
  const original = prototype.tryTake;
  prototype.tryTake = function (this: { throttle: unknown; tokens: number; __prod?: boolean }) {
    if (!this.__prod) {
      this.throttle = prod;
      this.tokens = prod.burstLimit;
      this.__prod = true;
    }
    return original.call(this);
  };
  prototype.__benchPatched = true;
}

export async function startBenchEnvironment(
  log: (line: string) => void,
  options: BenchEnvironmentOptions = {},
): Promise<BenchEnvironment> {
  const root = repositoryRoot();
  // The local tables come from the templates: synthesize them on a fresh clone.
  if (ensureTemplates(root, join(root, 'cdk.out'))) log('synthesized the CDK app into cdk.out');
  const dataDir = join(root, options.dataMarker ?? BENCH_DATA_MARKER);
  rmSync(dataDir, { recursive: true, force: true });
  const ports = await basePorts(options.basePorts ?? BENCH_BASE_PORTS);
  const stack = new LocalServices({
    brokers: 1,
    kafkaPort: ports.kafka,
    dynamodbPort: ports.dynamodb,
    kafkaBrokersFromEnv: false,
    dataDir,
    templates: stageTemplates(join(root, 'cdk.out'), 'dev'),
    seed: 'overwrite',
    log: () => undefined,
  });
  const started = Date.now();
  const info = await stack.start();
  log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (kafka ${info.kafkaBrokers.join(',')})`);
  try {
    await raiseStock(info);
    applyProdThrottle();
    const pipeline = await startPipeline({ profile: 'test', infrastructure: info });
    log(`pipeline up in ${((Date.now() - started) / 1000).toFixed(1)} s, API ${pipeline.apiUrl}`);
    return {
      info,
      pipeline,
      stop: async () => {
        await pipeline.stop().catch(() => undefined);
        await stack.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The ramp sells far more than the demo's 10,000 units per SKU; an out-of-stock order is not what is measured. */
async function raiseStock(info: LocalServicesInfo): Promise<void> {
  const table = info.environment[TABLE_ENV_VARS.inventory];
  if (!table) throw new Error(`No ${TABLE_ENV_VARS.inventory} in the stack environment`);
  const client = localDynamoDbClient(info.dynamodbEndpoint);
  try {
    await seedCatalogue(client, table, {
      overwrite: true,
      items: DEMO_CATALOGUE.map((item) => (item.available > 1 ? { ...item, available: 100_000_000 } : item)),
    });
  } finally {
    client.destroy();
  }
}
