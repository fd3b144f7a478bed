/**
 * Starts the local API Gateway for `npm start`: the App template's REST API on API_PORT, with the
 * local issuer (key pair in `.local/auth/`) as the Cognito authorizer.
 */
import { LocalIssuer, localIssuerUrl } from '../auth/issuer';
import type { CfnTemplate } from '../runtime/cfn-template';
import { readApiDefinition } from './api-definition';
import { type ApiServerOptions, LocalApiServer } from './server';

export interface LocalApiOptions {
  readonly appTemplate: CfnTemplate;
  /** Invokes a function by logical id: LocalRuntime.invokeFunction. */
  readonly invoke: ApiServerOptions['invoke'];
  /** @default Number(process.env.API_PORT ?? 3000) */
  readonly port?: number;
  /** @default '.local/auth' */
  readonly keyDir?: string;
  readonly onResponse?: ApiServerOptions['onResponse'];
}

export async function startLocalApi(
  options: LocalApiOptions,
): Promise<{ server: LocalApiServer; issuer: LocalIssuer }> {
  const port = options.port ?? Number(process.env.API_PORT ?? 3000);
  // The issuer names the port tokens are for: `npm run token` uses the same API_PORT.
  const issuer = await LocalIssuer.open({ issuer: localIssuerUrl(port), keyDir: options.keyDir });
  const server = await LocalApiServer.start({
    definition: readApiDefinition(options.appTemplate),
    invoke: options.invoke,
    issuer,
    port,
    onResponse: options.onResponse,
  });
  return { server, issuer };
}
