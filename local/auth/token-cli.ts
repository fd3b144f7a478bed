/**
 * `npm run token -- <customerId> [--email <address>] [--expires <seconds>]` prints a token the
 * local API accepts for that customer (issuer bound to API_PORT, default 3000).
 */
import { parseArgs } from 'node:util';
import { LocalIssuer, localIssuerUrl } from './issuer';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { email: { type: 'string' }, expires: { type: 'string' } },
  });
  const customerId = positionals[0];
  if (!customerId) {
    console.error('Usage: npm run token -- <customerId> [--email <address>] [--expires <seconds>]');
    process.exitCode = 2;
    return;
  }
  const issuer = await LocalIssuer.open({ issuer: localIssuerUrl(process.env.API_PORT ?? 3000) });
  const token = await issuer.issue({
    customerId,
    email: values.email,
    expiresInSeconds: values.expires === undefined ? undefined : Number(values.expires),
  });
  process.stdout.write(`${token}\n`);
}

void main();
