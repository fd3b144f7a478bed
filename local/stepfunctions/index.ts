/**
 * Local Step Functions: the saga's state machine from the synthesized template, run by
 * aws-local-stepfunctions behind a Step Functions API endpoint. `npm start` calls
 * `startLocalStepFunctions` and points AWS_ENDPOINT_URL_SFN at the returned `endpoint`.
 */
import './supported-runtime';
import { startStepFunctionsServer } from './http-server';
import { LocalStepFunctions, type LocalStepFunctionsOptions } from './service';

export { functionNameOf, localStateMachineArn } from './arns';
export * from './errors';
export type { ExecutionRecord, ExecutionStatus } from './execution-store';
export type { HistoryEvent } from './history';
export {
  type ExecutionCounts,
  type ExecutionEndedEvent,
  LocalStepFunctions,
  type LocalStepFunctionsEvents,
  type LocalStepFunctionsOptions,
  type StateMachineSource,
} from './service';
export type { InvokeFunction } from './task-handlers';
export { stateMachinesFromTemplate, type TemplateStateMachine } from './template';

export interface LocalStepFunctionsServerOptions extends LocalStepFunctionsOptions {
  /** @default Number(process.env.SFN_PORT ?? 8083); 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface RunningLocalStepFunctions {
  /** The value for AWS_ENDPOINT_URL_SFN. */
  readonly endpoint: string;
  readonly port: number;
  /** Events and counters for the dashboard, and direct access for tests. */
  readonly service: LocalStepFunctions;
  /** Stops the endpoint; running executions stay RUNNING in the journal and continue on the next start. */
  close(): Promise<void>;
}

export async function startLocalStepFunctions(
  options: LocalStepFunctionsServerOptions,
): Promise<RunningLocalStepFunctions> {
  const service = await LocalStepFunctions.create(options);
  let server: Awaited<ReturnType<typeof startStepFunctionsServer>>;
  try {
    server = await startStepFunctionsServer({ service, port: options.port, host: options.host });
  } catch (error) {
    await service.close();
    throw error;
  }
  return {
    endpoint: server.endpoint,
    port: server.port,
    service,
    close: async () => {
      await server.close();
      await service.close();
    },
  };
}
