/**
 * A local HTTP endpoint that AWS SDK clients reach through AWS_ENDPOINT_URL_<SERVICE> (the Step
 * Functions API, the Lambda Invoke API).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalEndpoint {
  /** The value for AWS_ENDPOINT_URL_<SERVICE>. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on host:port (0 picks a free port). SDK clients keep connections alive, so idle ones are
 * dropped after a few seconds and close() ends the rest instead of waiting for them. A failed
 * listen (a port in use) rejects with what `startError` makes of the error.
 */
export async function listenLocally(
  server: Server,
  port: number,
  host: string,
  startError: (error: NodeJS.ErrnoException) => Error = (error) => error,
): Promise<LocalEndpoint> {
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(startError(error)));
    server.listen(port, host, () => resolve());
  });
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${boundPort}`,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
