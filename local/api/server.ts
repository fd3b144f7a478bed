/**
 * The local API Gateway: serves the template's REST routes on 127.0.0.1 with API Gateway's
 * behaviour in the order it applies it — stage throttling (429), the 10 MB payload limit (413),
 * the Cognito authorizer against the local issuer (401), request validation (400) — and hands the
 * function a real REST proxy event. The local issuer's JWKS is served under /local-issuer.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import { LOCAL_ISSUER_PATH, type LocalIssuer, UnauthorizedError } from '../auth/issuer';
import { FunctionTimeoutError } from '../runtime/errors';
import type { ApiDefinition, ApiRoute } from './api-definition';
import {
  API_GATEWAY_MAX_BODY_BYTES,
  declaredLengthExceeds,
  PayloadTooLargeError,
  readBody,
} from './body-reader';
import { type GatewayError, renderGatewayResponse } from './gateway-responses';
import { buildProxyEvent, httpResponseOf } from './proxy-event';
import { RequestValidator } from './request-validation';
import { TokenBucket } from './token-bucket';

/** API Gateway's maximum integration timeout. */
const INTEGRATION_TIMEOUT_MS = 29_000;
/** After a 413, how much of the refused body is read and dropped before the connection is cut. */
const MAX_DISCARDED_BYTES = 128 * 1024 * 1024;
/** After a 413, how long a client that is still sending the refused body may take before it is cut off. */
const DISCARD_WINDOW_MS = 10_000;
/** With no stage throttle in the template, AWS's account-level default applies. */
const ACCOUNT_DEFAULT_THROTTLE = { rateLimit: 10_000, burstLimit: 5_000 };

export type InvokeFunction = (functionLogicalId: string, event: unknown) => Promise<unknown>;

export interface AccessLogEntry {
  readonly requestId: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly resourcePath: string | undefined;
  readonly status: number;
  readonly latencyMs: number;
}

export interface ApiServerOptions {
  readonly definition: ApiDefinition;
  /** Invokes a function by logical id (FunctionPool.invoke fits). */
  readonly invoke: InvokeFunction;
  readonly issuer: LocalIssuer;
  /** @default Number(process.env.API_PORT ?? 3000); 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 10 MB, API Gateway's payload limit */
  readonly maxBodyBytes?: number;
  /** @default 29 s */
  readonly integrationTimeoutMs?: number;
  /** Called once per answered request (dashboard, logs). */
  readonly onResponse?: (entry: AccessLogEntry) => void;
}

interface CompiledRoute {
  readonly route: ApiRoute;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

/** The port is taken: a second `npm start` must say so instead of failing obscurely. */
export class PortInUseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PortInUseError';
  }
}

export class LocalApiServer {
  private readonly server: Server;
  private readonly routes: CompiledRoute[];
  private readonly validator = new RequestValidator();
  private readonly stageBucket: TokenBucket;
  private readonly methodBuckets = new Map<string, TokenBucket>();
  private readonly maxBodyBytes: number;

  private constructor(private readonly options: ApiServerOptions) {
    const { definition } = options;
    this.routes = definition.routes.map(compileRoute);
    this.stageBucket = new TokenBucket(definition.stageThrottle ?? ACCOUNT_DEFAULT_THROTTLE);
    for (const [key, throttle] of Object.entries(definition.methodThrottles)) {
      this.methodBuckets.set(key, new TokenBucket(throttle));
    }
    this.maxBodyBytes = options.maxBodyBytes ?? API_GATEWAY_MAX_BODY_BYTES;
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    // Refuse an announced oversize body before the client sends it (Expect: 100-continue).
    this.server.on('checkContinue', (request, response) => {
      if (declaredLengthExceeds(request, this.maxBodyBytes)) {
        void this.handle(request, response);
        return;
      }
      response.writeContinue();
      void this.handle(request, response);
    });
  }

  static async start(options: ApiServerOptions): Promise<LocalApiServer> {
    const api = new LocalApiServer(options);
    const port = options.port ?? Number(process.env.API_PORT ?? 3000);
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new PortInUseError(
                `Port ${port} is in use: is another 'npm start' running? Set API_PORT to choose another.`,
                {
                  cause: error,
                },
              )
            : error,
        ),
      );
      api.server.listen(port, host, () => resolve());
    });
    return api;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const receivedAt = new Date();
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const httpMethod = (request.method ?? 'GET').toUpperCase();
    const path = this.stripStage(url.pathname);
    let resourcePath: string | undefined;
    const answer = (
      statusCode: number,
      headers: Record<string, string | string[]>,
      body: Buffer | string,
    ) => {
      response.writeHead(statusCode, {
        ...headers,
        'x-amzn-requestid': requestId,
        'x-amz-apigw-id': requestId.slice(0, 16),
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
      this.options.onResponse?.({
        requestId,
        httpMethod,
        path,
        resourcePath,
        status: statusCode,
        latencyMs: performance.now() - startedAt,
      });
    };
    const fail = (error: GatewayError, options: { closeConnection?: boolean } = {}) => {
      const rendered = renderGatewayResponse(this.options.definition.gatewayResponses, error, requestId);
      if (options.closeConnection) {
        // The rest of the body is discarded, never kept: a socket closed with unread data is reset,
        // and a reset can destroy the answer before the client reads it (so no `Connection: close`
        // either, which makes Node close at once). The drain is bounded in bytes and time.
        let discarded = 0;
        request.on('data', (chunk: Buffer) => {
          discarded += chunk.length;
          if (discarded > MAX_DISCARDED_BYTES) request.socket.destroy();
        });
        request.resume();
        // A client that sent its whole body keeps its connection; one still sending after the window
        // is cut off, so a slow sender cannot hold the socket.
        response.on('finish', () =>
          setTimeout(() => {
            if (!request.complete) request.socket.destroy();
          }, DISCARD_WINDOW_MS).unref(),
        );
      }
      answer(rendered.statusCode, rendered.headers, rendered.body);
    };

    try {
      if (url.pathname.startsWith(LOCAL_ISSUER_PATH)) {
        this.serveIssuer(url.pathname, answer, fail);
        return;
      }
      const match = this.match(httpMethod, path);
      if (!match) {
        fail({ type: 'RESOURCE_NOT_FOUND' }, { closeConnection: !request.complete });
        return;
      }
      const { route, pathParameters } = match;
      resourcePath = route.resourcePath;
      const bucket = this.methodBuckets.get(`${httpMethod} ${route.resourcePath}`) ?? this.stageBucket;
      if (!bucket.tryTake()) {
        fail({ type: 'THROTTLED' });
        return;
      }
      if (declaredLengthExceeds(request, this.maxBodyBytes)) {
        fail({ type: 'REQUEST_TOO_LARGE' }, { closeConnection: true });
        return;
      }
      let claims: JWTPayload | undefined;
      if (route.authorizationType === 'COGNITO_USER_POOLS') {
        claims = await this.authorize(request.headers.authorization);
        if (!claims) {
          fail({ type: 'UNAUTHORIZED' });
          return;
        }
      }
      let body: string;
      try {
        body = (await readBody(request, this.maxBodyBytes)).toString('utf8');
      } catch (error) {
        if (error instanceof PayloadTooLargeError) {
          fail({ type: 'REQUEST_TOO_LARGE' }, { closeConnection: true });
          return;
        }
        throw error;
      }
      const headers = headersOf(request.rawHeaders);
      const invalid = this.validator.validate(route, { headers, query: url.searchParams, body });
      if (invalid) {
        fail(invalid);
        return;
      }
      const event = buildProxyEvent({
        route,
        httpMethod,
        path,
        query: url.searchParams,
        rawHeaders: request.rawHeaders,
        body,
        pathParameters,
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        requestId,
        apiId: this.options.definition.restApiLogicalId.slice(0, 10).toLowerCase(),
        stageName: this.options.definition.stageName,
        claims,
        receivedAt,
      });
      await this.integrate(route, event, answer, fail);
    } catch (error) {
      console.error(`[api] ${httpMethod} ${path} failed in the local gateway`, error);
      if (!response.headersSent) fail({ type: 'INTEGRATION_FAILURE' });
    }
  }

  private async integrate(
    route: ApiRoute,
    event: unknown,
    answer: (statusCode: number, headers: Record<string, string | string[]>, body: Buffer | string) => void,
    fail: (error: GatewayError) => void,
  ): Promise<void> {
    if (route.functionLogicalId === undefined) {
      answer(200, { 'content-type': 'application/json' }, '{}');
      return;
    }
    const timeoutMs = this.options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const result = await Promise.race([this.options.invoke(route.functionLogicalId, event), timeout]);
      if (result === 'timeout') {
        fail({ type: 'INTEGRATION_TIMEOUT' });
        return;
      }
      const mapped = httpResponseOf(result);
      if (!mapped) {
        console.error(`[api] ${route.functionLogicalId} returned a malformed proxy response`);
        fail({ type: 'INTEGRATION_FAILURE' });
        return;
      }
      answer(mapped.statusCode, mapped.headers, mapped.body);
    } catch (error) {
      // The function failed (error, crash, its own timeout): API Gateway answers 502 / 504 and
      // never shows the function's error to the caller.
      console.error(
        `[api] ${route.functionLogicalId} failed:`,
        (error as Error).name,
        (error as Error).message,
      );
      fail({ type: error instanceof FunctionTimeoutError ? 'INTEGRATION_TIMEOUT' : 'INTEGRATION_FAILURE' });
    } finally {
      clearTimeout(timer);
    }
  }

  private async authorize(authorization: string | undefined): Promise<JWTPayload | undefined> {
    if (!authorization) return undefined;
    // Cognito authorizers take the bare token; a "Bearer " prefix is accepted too.
    const token = authorization.replace(/^Bearer\s+/i, '').trim();
    try {
      return await this.options.issuer.verify(token);
    } catch (error) {
      if (error instanceof UnauthorizedError) return undefined;
      throw error;
    }
  }

  private serveIssuer(
    pathname: string,
    answer: (statusCode: number, headers: Record<string, string>, body: string) => void,
    fail: (error: GatewayError) => void,
  ): void {
    const { issuer } = this.options;
    const json = { 'content-type': 'application/json' };
    if (pathname === `${LOCAL_ISSUER_PATH}/.well-known/jwks.json`) {
      answer(200, json, JSON.stringify(issuer.jwks()));
    } else if (pathname === `${LOCAL_ISSUER_PATH}/.well-known/openid-configuration`) {
      answer(
        200,
        json,
        JSON.stringify({ issuer: issuer.issuer, jwks_uri: `${issuer.issuer}/.well-known/jwks.json` }),
      );
    } else {
      fail({ type: 'RESOURCE_NOT_FOUND' });
    }
  }

  /** Accepts both `/orders` and the stage-prefixed `/dev/orders` of the AWS URL. */
  private stripStage(pathname: string): string {
    const prefix = `/${this.options.definition.stageName}`;
    if (pathname === prefix) return '/';
    return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : pathname;
  }

  private match(
    httpMethod: string,
    path: string,
  ): { route: ApiRoute; pathParameters: Record<string, string> } | undefined {
    for (const compiled of this.routes) {
      if (compiled.route.httpMethod !== httpMethod && compiled.route.httpMethod !== 'ANY') continue;
      const found = compiled.pattern.exec(path);
      if (!found) continue;
      const pathParameters: Record<string, string> = {};
      compiled.parameterNames.forEach((name, index) => {
        pathParameters[name] = decodeURIComponent(found[index + 1]!);
      });
      return { route: compiled.route, pathParameters };
    }
    return undefined;
  }
}

function compileRoute(route: ApiRoute): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.resourcePath
    .split('/')
    .map((segment) => {
      const parameter = /^\{(.+?)(\+)?\}$/.exec(segment);
      if (!parameter) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      parameterNames.push(parameter[1]!);
      return parameter[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, parameterNames, pattern: new RegExp(`^${source === '' ? '/' : source}/?$`) };
}

function headersOf(rawHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index < rawHeaders.length; index += 2)
    headers[rawHeaders[index]!] = rawHeaders[index + 1]!;
  return headers;
}
