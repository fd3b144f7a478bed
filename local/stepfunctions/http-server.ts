/**
 * The Step Functions API over HTTP, AWS JSON 1.0 protocol (POST /, `X-Amz-Target:
 * AWSStepFunctions.<Operation>`), so handlers use @aws-sdk/client-sfn unchanged with
 * AWS_ENDPOINT_URL_SFN pointing here. Errors go out as `{ __type, message }`, as AWS sends them.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocally } from '../infra/http-endpoint';
import { EndpointStartError, StepFunctionsApiError, UnknownOperationError, ValidationError } from './errors';
import type { ExecutionRecord } from './execution-store';
import type { HistoryEvent } from './history';
import type { LocalStepFunctions } from './service';

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'AWSStepFunctions.';
/** StartExecution input is capped at 256 KiB; the envelope around it gets some room. */
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The API calls served, per operation (`GET`; `POST .../reset` starts again): what a benchmark
 * reads to count the SendTask* calls an order makes, which no execution history shows (a
 * heartbeat leaves no event).
 */
const API_CALLS_PATH = '/_local/api-calls';

type Body = Record<string, unknown>;
type Operation = (service: LocalStepFunctions, body: Body) => Promise<unknown> | unknown;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  StartExecution: async (service, body) => {
    const { executionArn, startDate } = await service.startExecution(body);
    return { executionArn, startDate: seconds(startDate) };
  },
  DescribeExecution: (service, body) => describe(service.describeExecution(body.executionArn)),
  StopExecution: async (service, body) => {
    const { stopDate } = await service.stopExecution(body.executionArn, body.error, body.cause);
    return { stopDate: seconds(stopDate) };
  },
  ListExecutions: (service, body) => {
    const { executions, nextToken } = service.listExecutions(body);
    return { executions: executions.map(listItem), nextToken };
  },
  GetExecutionHistory: (service, body) => {
    const { events, nextToken } = service.getExecutionHistory(body);
    return { events: events.map(historyItem), nextToken };
  },
  SendTaskSuccess: (service, body) => {
    service.sendTaskSuccess(body.taskToken, body.output);
    return {};
  },
  SendTaskFailure: (service, body) => {
    service.sendTaskFailure(body.taskToken, body.error, body.cause);
    return {};
  },
  SendTaskHeartbeat: (service, body) => {
    service.sendTaskHeartbeat(body.taskToken);
    return {};
  },
  DescribeStateMachine: (service, body) => {
    const machine = service.describeStateMachine(body.stateMachineArn);
    return {
      stateMachineArn: machine.stateMachineArn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definitionText,
      roleArn: machine.roleArn,
      type: 'STANDARD',
      creationDate: seconds(machine.createdAt),
    };
  },
  ListStateMachines: (service) => ({
    stateMachines: service.stateMachines.map((machine) => ({
      stateMachineArn: machine.stateMachineArn,
      name: machine.name,
      type: 'STANDARD',
      creationDate: seconds(machine.createdAt),
    })),
  }),
};

export interface StepFunctionsServerOptions {
  readonly service: LocalStepFunctions;
  /** @default 8083, or SFN_PORT; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface StepFunctionsServer {
  /** The value for AWS_ENDPOINT_URL_SFN. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startStepFunctionsServer(
  options: StepFunctionsServerOptions,
): Promise<StepFunctionsServer> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? Number(process.env.SFN_PORT ?? 8083);
  const calls = new Map<string, number>();
  const server = createServer((request, response) => {
    if (request.url?.startsWith(API_CALLS_PATH)) {
      answerApiCalls(calls, request, response);
      return;
    }
    void handle(options.service, request, response, calls);
  });
  return listenLocally(server, requestedPort, host, (error) => {
    const reason =
      error.code === 'EADDRINUSE'
        ? `port ${requestedPort} on ${host} is already in use (another npm start? set SFN_PORT to choose another port)`
        : error.message;
    return new EndpointStartError(`The local Step Functions endpoint could not start: ${reason}`, {
      cause: error,
    });
  });
}

function answerApiCalls(
  calls: Map<string, number>,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  if (request.method === 'POST' && request.url === `${API_CALLS_PATH}/reset`) calls.clear();
  else if (request.method !== 'GET' || request.url !== API_CALLS_PATH) {
    send(response, 404, { __type: 'UnknownOperationException', message: `${request.method} ${request.url}` });
    return;
  }
  send(response, 200, { operations: Object.fromEntries(calls) });
}

async function handle(
  service: LocalStepFunctions,
  request: IncomingMessage,
  response: ServerResponse,
  calls: Map<string, number>,
): Promise<void> {
  try {
    if (request.method !== 'POST') throw new UnknownOperationError(`${request.method} ${request.url}`);
    const target = request.headers['x-amz-target'];
    const name =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : '';
    const operation = OPERATIONS[name];
    if (!operation) throw new UnknownOperationError(typeof target === 'string' ? target : undefined);
    calls.set(name, (calls.get(name) ?? 0) + 1);
    const body = await readBody(request);
    send(response, 200, (await operation(service, body)) ?? {});
  } catch (error) {
    if (error instanceof StepFunctionsApiError) {
      send(response, error.statusCode, { __type: error.code, message: error.message });
    } else {
      // Internals stay in the local log; the client gets the AWS shape of an internal error.
      console.error('[local-sfn] request failed', error);
      send(response, 500, {
        __type: 'InternalFailure',
        message: 'Internal failure in the local Step Functions',
      });
    }
  }
}

async function readBody(request: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ValidationError('Request body is too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError('Request body is not JSON', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError('Request body must be a JSON object');
  }
  return parsed as Body;
}

function send(response: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

/** The JSON 1.0 protocol carries timestamps as epoch seconds. */
function seconds(epochMs: number): number {
  return epochMs / 1000;
}

function describe(record: ExecutionRecord & { stateMachineName: string }): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    stopDate: record.stopDate === undefined ? undefined : seconds(record.stopDate),
    input: record.input,
    inputDetails: { included: true },
    output: record.output,
    outputDetails: record.output === undefined ? undefined : { included: true },
    error: record.error,
    cause: record.cause,
    redriveCount: record.redriveCount,
    redriveDate: record.redriveDate === undefined ? undefined : seconds(record.redriveDate),
  };
}

function listItem(record: ExecutionRecord): Record<string, unknown> {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    stopDate: record.stopDate === undefined ? undefined : seconds(record.stopDate),
    redriveCount: record.redriveCount,
  };
}

function historyItem(event: HistoryEvent): Record<string, unknown> {
  return { ...event, timestamp: seconds(event.timestamp) };
}
