import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalIssuer, localIssuerUrl, UnauthorizedError } from '../../../../local/auth/issuer';

const ISSUER = localIssuerUrl(3999);

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('LocalIssuer', () => {
  let keyDir: string;
  let issuer: LocalIssuer;

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'local-auth-'));
    issuer = await LocalIssuer.open({ issuer: ISSUER, keyDir });
  });

  it('issues Cognito-like ID tokens that it accepts', async () => {
    // Act
    const token = await issuer.issue({ customerId: 'cust-1' });
    const claims = await issuer.verify(token);

    // Assess
    expect(claims).toMatchObject({
      sub: 'cust-1',
      'cognito:username': 'cust-1',
      email: 'cust-1@example.com',
      token_use: 'id',
      iss: 'http://127.0.0.1:3999/local-issuer',
      aud: 'order-pipeline-local',
    });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('keeps one key pair on disk, private to its owner, and reuses it', async () => {
    // Prepare
    const token = await issuer.issue({ customerId: 'cust-2' });

    // Act
    const reopened = await LocalIssuer.open({ issuer: ISSUER, keyDir });

    // Assess
    await expect(reopened.verify(token)).resolves.toMatchObject({ sub: 'cust-2' });
    expect(readdirSync(keyDir)).toEqual(['signing-key.jwk.json']);
    expect(statSync(join(keyDir, 'signing-key.jwk.json')).mode & 0o077).toBe(0);
    expect(JSON.stringify(reopened.jwks())).not.toContain('"d"');
  });

  it('refuses an expired token', async () => {
    // Prepare
    const token = await issuer.issue({ customerId: 'cust-1', issuedAt: new Date(Date.now() - 7_200_000) });

    // Act
    const outcome = issuer.verify(token);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a token of another issuer signed with the same key', async () => {
    // Prepare
    const other = await LocalIssuer.open({
      issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/x',
      keyDir,
    });
    const token = await other.issue({ customerId: 'cust-1' });

    // Act
    const outcome = issuer.verify(token);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a token signed by another key with the right claims', async () => {
    // Prepare
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const valid = decodeJwt(await issuer.issue({ customerId: 'cust-1' }));
    const forged = await new SignJWT(valid)
      .setProtectedHeader({ alg: 'RS256', kid: (await exportJWK(privateKey)).kid })
      .sign(privateKey);

    // Act
    const outcome = issuer.verify(forged);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses an unsigned token (alg none)', async () => {
    // Prepare
    const claims = decodeJwt(await issuer.issue({ customerId: 'cust-1' }));
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;

    // Act
    const outcome = issuer.verify(unsigned);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a token for another audience', async () => {
    // Prepare
    const other = await LocalIssuer.open({ issuer: ISSUER, audience: 'another-client', keyDir });
    const token = await other.issue({ customerId: 'cust-1' });

    // Act
    const outcome = issuer.verify(token);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
