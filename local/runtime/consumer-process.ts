/**
 * The consumer process: some of the template's event source mappings (their kafkajs consumer
 * groups) and the functions they invoke (their execution environments), in a Node process of their
 * own. The local pipeline forks it (consumer-process-host.ts) when asked to run consumers apart, so
 * that they can be killed with SIGKILL and restarted without touching the rest of the pipeline, as
 * a Lambda poller or sandbox fails on its own in AWS. Started through consumer-process-bootstrap.mjs,
 * configured by the first IPC message; function output, mapping activity and counters go back
 * over IPC. Exits when its parent goes away.
 */
import type {
  ConsumerProcessConfig,
  ConsumerProcessMessage,
  ConsumerProcessRequest,
} from './consumer-process-protocol';
import { EventSourceMappings } from './event-source-mapping';
import { FunctionPool } from './function-pool';
import { KafkaOnFailureDestination } from './on-failure';

/** Consumers wait at most this long for their graceful stop before the process exits anyway. */
const STOP_TIMEOUT_MS = 15_000;

function send(message: ConsumerProcessMessage): void {
  // After a disconnect there is nobody left to tell; the process is about to exit.
  if (process.connected) process.send?.(message);
}

interface Running {
  readonly pool: FunctionPool;
  readonly mappings: EventSourceMappings;
  readonly onFailure: KafkaOnFailureDestination;
}

async function start(config: ConsumerProcessConfig): Promise<Running> {
  const pool = new FunctionPool({
    functions: config.functions,
    region: config.region,
    concurrency: config.concurrency,
    log: (functionName, stream, line) => send({ type: 'log', functionName, stream, line }),
  });
  const onFailure = new KafkaOnFailureDestination(config.brokers);
  const invoke = async (functionLogicalId: string, event: unknown): Promise<unknown> => {
    const started = Date.now();
    try {
      return await pool.invoke(functionLogicalId, event);
    } finally {
      const ms = Date.now() - started;
      if (config.slowInvocationMs !== undefined && ms >= config.slowInvocationMs) {
        send({
          type: 'log',
          functionName: functionLogicalId,
          stream: 'stderr',
          line: `slow invocation: ${ms} ms`,
        });
      }
    }
  };
  const mappings = new EventSourceMappings({
    mappings: config.mappings,
    invoke,
    functionArnOf: (functionLogicalId) => pool.resolve(functionLogicalId).arn,
    brokers: config.brokers,
    onFailure,
    partitionsConcurrently: config.partitionsConcurrently,
    sessionTimeoutMs: config.sessionTimeoutMs,
    clientId: 'order-pipeline-local-consumer-process',
    log: (line) => send({ type: 'log', functionName: 'event-source-mappings', stream: 'stdout', line }),
    onActivity: (activity) => send({ type: 'activity', activity }),
  });
  for (const name of config.paused) mappings.pause(name);
  // Handlers load before the first batch arrives, as in the main process (see pipeline.ts warmUp).
  const failures = await pool.warm();
  for (const [functionName, error] of Object.entries(failures)) {
    send({
      type: 'log',
      functionName,
      stream: 'stderr',
      line: `init failed: ${error.name}: ${error.message}`,
    });
  }
  await mappings.start();
  return { pool, mappings, onFailure };
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running) return;
  const timeout = new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref());
  await Promise.race([
    (async () => {
      await running.mappings.stop();
      await running.pool.close();
      await running.onFailure.close();
    })(),
    timeout,
  ]);
}

let running: Running | undefined;

function answer(request: Exclude<ConsumerProcessRequest, { type: 'start' }>): void {
  const reply = (extra: { ok: boolean; error?: string }) => {
    send({
      type: 'reply',
      id: request.id,
      ...extra,
      snapshot: running && { mappings: running.mappings.stats(), functions: running.pool.stats() },
    });
  };
  try {
    switch (request.type) {
      case 'pause':
        running?.mappings.pause(request.name);
        break;
      case 'resume':
        running?.mappings.resume(request.name);
        break;
      case 'stop':
        // The host waits for the exit itself, no reply needed.
        void stop(running).finally(() => process.exit(0));
        return;
      case 'stats':
        break;
    }
    reply({ ok: true });
  } catch (error) {
    reply({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
}

process.on('message', (request: ConsumerProcessRequest) => {
  if (request.type !== 'start') {
    answer(request);
    return;
  }
  start(request.config).then(
    (started) => {
      running = started;
      send({ type: 'ready' });
    },
    (error: unknown) => {
      send({
        type: 'start-failed',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      process.exit(1);
    },
  );
});

// The pipeline that forked this process is gone (stopped or crashed): nothing may outlive it.
process.on('disconnect', () => {
  void stop(running).finally(() => process.exit(0));
});
