/**
 * The Lambda Invoke API over HTTP for the local functions, so that an operator tool uses
 * @aws-sdk/client-lambda unchanged with AWS_ENDPOINT_URL_LAMBDA pointing here, as it would reach
 * Lambda on AWS. Only Invoke is served: POST /2015-03-31/functions/{FunctionName}/invocations.
 *
 * Answers follow the Lambda API reference for Invoke (AWS_RULES.lambdaInvokeErrors,
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html): the status code does not
 * reflect function errors; a function that throws (or times out) is answered 200 with the header
 * `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage }` as the payload. Errors that
 * keep the function from running are answered with their status and `x-amzn-ErrorType`, e.g. 404
 * ResourceNotFoundException for a function that does not exist.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LAMBDA_SYNC_REQUEST_MAX_BYTES } from '../../lib/config/aws-rules';
import { PayloadTooLargeError, readBody } from '../api/body-reader';
import { type LocalEndpoint, listenLocally } from '../infra/http-endpoint';
import {
  FunctionInvocationError,
  FunctionNotInvocableError,
  RequestEntityTooLargeError,
  UnknownFunctionError,
} from './errors';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export interface LambdaApiOptions {
  /** Runs one invocation and resolves with its JSON result (FunctionPool.invoke or a wrapper). */
  readonly invoke: (functionName: string, event: unknown) => Promise<unknown>;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/** `endpoint` is the value for AWS_ENDPOINT_URL_LAMBDA. */
export type LambdaApiServer = LocalEndpoint;

export async function startLambdaApi(options: LambdaApiOptions): Promise<LambdaApiServer> {
  const server = createServer((request, response) => {
    void handle(options, request, response);
  });
  return listenLocally(server, options.port, options.host ?? '127.0.0.1');
}

async function handle(
  options: LambdaApiOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const match =
    request.method === 'POST' ? INVOKE_PATH.exec(new URL(request.url ?? '/', 'http://x').pathname) : null;
  if (!match) {
    answerError(
      response,
      404,
      'UnknownOperationException',
      `No Lambda operation at ${request.method} ${request.url}`,
    );
    return;
  }
  const functionName = decodeURIComponent(match[1]!);
  const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  let event: unknown;
  try {
    const body = await readBody(request, LAMBDA_SYNC_REQUEST_MAX_BYTES);
    event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (error) {
    if (error instanceof PayloadTooLargeError) {
      answerError(response, 413, 'RequestTooLargeException', error.message);
    } else {
      answerError(response, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    return;
  }
  if (invocationType !== 'RequestResponse') {
    answerError(
      response,
      400,
      'InvalidParameterValueException',
      `The local Lambda endpoint serves RequestResponse invocations only, not ${invocationType}`,
    );
    return;
  }
  try {
    const result = await options.invoke(functionName, event);
    answer(response, 200, { 'x-amz-executed-version': '$LATEST' }, result ?? null);
  } catch (error) {
    answerInvocationError(response, functionName, error);
  }
}

function answerInvocationError(response: ServerResponse, functionName: string, error: unknown): void {
  if (error instanceof UnknownFunctionError) {
    answerError(response, 404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
  } else if (error instanceof FunctionNotInvocableError) {
    answerError(response, 409, 'ResourceConflictException', error.message);
  } else if (error instanceof RequestEntityTooLargeError) {
    answerError(response, 413, 'RequestTooLargeException', error.message);
  } else if (error instanceof FunctionInvocationError) {
    answer(
      response,
      200,
      { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
      { errorType: error.errorType, errorMessage: error.message },
    );
  } else {
    answerError(response, 500, 'ServiceException', error instanceof Error ? error.message : String(error));
  }
}

/** A Lambda service error: the type in `x-amzn-ErrorType`, where the SDK reads it, and in the body. */
function answerError(response: ServerResponse, status: number, type: string, message: string): void {
  answer(response, status, { 'x-amzn-errortype': type }, { Type: 'User', message });
}

function answer(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: unknown,
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
