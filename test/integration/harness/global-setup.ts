/**
 * Vitest globalSetup of the integration project: starts the real parts once per run (Kafka with one
 * broker and the DynamoDB server) on test ports that do not clash with a user's `npm start`,
 * creates topics, the tables of the synthesized templates and the demo catalogue, and
 * hands the connection details to the tests as environment variables and through `inject('localServices')`.
 *
 * Concurrent runs each take their own slot of ports and data folder (see run-slot.ts), so one run
 * never wipes or stops another's broker. Reuse: with LOCAL_STACK_READY=1 the environment is taken
 * as given; when the slot's ports already answer (parts started by hand with `local/infra/cli.ts`),
 * those are used and only provisioned, and left running. KAFKA_BROKERS, when set, names the
 * cluster to use instead of starting a broker, as for `npm start`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { LocalServices, type LocalServicesInfo } from '../../../local/infra/local-services';
import { repositoryRoot } from '../../../local/infra/paths';
import { portAnswers } from '../../../local/infra/preflight';
import { ensureTemplates } from '../../../local/pipeline/synth';
import { readStackTemplate, type StackTemplate, stageTemplates } from '../../../local/runtime/cfn-template';
import { acquireRunSlot, SLOT_STRIDE } from './run-slot';

export interface ProvidedServices {
  readonly kafkaBrokers: readonly string[];
  readonly dynamodbEndpoint: string;
  readonly tables: Readonly<Record<string, string>>;
  readonly environment: Readonly<Record<string, string>>;
  readonly timings: Readonly<Record<string, number>>;
  /** Whether this run started the parts (false: reused running ones). */
  readonly started: boolean;
  /**
   * Offset of this run's ports from the base ones (concurrent runs get different slots); tests that
   * start private parts add it to their own ports.
   */
  readonly portOffset: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localServices: ProvidedServices;
  }
}

/**
 * The templates whose tables and queues the run creates: the synthesized dev stage, or the files in
 * LOCAL_TEMPLATES (comma list) when set.
 */
function templates(root: string): StackTemplate[] {
  const explicit = process.env.LOCAL_TEMPLATES?.split(',').filter(Boolean);
  if (explicit && explicit.length > 0) {
    return explicit.map((file) => readStackTemplate(file));
  }
  // A run after a change to lib/ must not test the previous templates (as `npm start` does).
  ensureTemplates(root, join(root, 'cdk.out'));
  return stageTemplates(join(root, 'cdk.out'), 'dev');
}

function environmentFromEnv(): ProvidedServices {
  const env = process.env;
  const required = ['KAFKA_BROKERS', 'AWS_ENDPOINT_URL_DYNAMODB'];
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `LOCAL_STACK_READY=1 but ${missing.join(', ')} not set: set them or unset LOCAL_STACK_READY`,
    );
  }
  const environment = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && (/_TABLE_NAME$/.test(entry[0]) || required.includes(entry[0])),
    ),
  );
  return {
    kafkaBrokers: env.KAFKA_BROKERS!.split(','),
    dynamodbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB!,
    tables: JSON.parse(env.LOCAL_TABLES ?? '{}') as Record<string, string>,
    environment,
    timings: {},
    started: false,
    portOffset: Number(env.LOCAL_TEST_PORT_OFFSET ?? '0'),
  };
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.LOCAL_STACK_READY === '1') {
    project.provide('localServices', environmentFromEnv());
    return undefined;
  }
  const root = repositoryRoot();
  const slot = acquireRunSlot(join(root, '.local'));
  const portOffset = slot.index * SLOT_STRIDE;
  const log = (line: string): void => console.log(`[local services] ${line}`);
  const stack = new LocalServices({
    brokers: 1,
    kafkaPort: slot.ports.kafka,
    dynamodbPort: slot.ports.dynamodb,
    dataDir: slot.dataDir,
    templates: templates(root),
    // Tests count stock from the catalogue's figures.
    seed: 'overwrite',
    log,
  });
  // With KAFKA_BROKERS set, LocalServices uses that cluster and only the DynamoDB server's port counts.
  const ports = stack.components.flatMap((component) => component.ports().map(({ port }) => port));
  const answering = await Promise.all(ports.map((port) => portAnswers(port)));
  let info: LocalServicesInfo;
  let started = false;
  try {
    if (answering.every(Boolean)) {
      log(`Ports ${ports.join(', ')} answer: reusing the running parts.`);
      info = await stack.attach();
    } else {
      // Fresh data every run: no orders, offsets or stock left over from the previous one.
      rmSync(slot.dataDir, { recursive: true, force: true });
      const before = Date.now();
      info = await stack.start();
      started = true;
      log(
        `Started in ${((Date.now() - before) / 1000).toFixed(1)} s; timings (s): ${JSON.stringify(info.timings)}`,
      );
    }
  } catch (error) {
    slot.release();
    throw error;
  }
  Object.assign(process.env, info.environment, {
    LOCAL_STACK_READY: '1',
    LOCAL_TABLES: JSON.stringify(info.tables),
    LOCAL_TEST_PORT_OFFSET: String(portOffset),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  });
  project.provide('localServices', { ...info, started, portOffset });
  return async () => {
    if (started) {
      await stack.stop();
    }
    slot.release();
  };
}
