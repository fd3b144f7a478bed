/**
 * The local stand-in for the Cognito user pool: an RS256 key pair generated once and kept in
 * `.local/auth/`, tokens shaped like Cognito ID tokens, and the verification the API emulator's
 * authorizer runs (signature, issuer, audience, expiry; `alg: none` and other keys refused).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { LOCAL_USER_POOL_CLIENT_ID } from '../runtime/local-resources';

export const LOCAL_ISSUER_PATH = '/local-issuer';
const ALGORITHM = 'RS256';
const KEY_FILE = 'signing-key.jwk.json';
const DEFAULT_TOKEN_LIFETIME_SECONDS = 60 * 60;

/** The issuer URL local tokens carry: the API emulator serves the JWKS under it. */
export function localIssuerUrl(apiPort: number | string): string {
  return `http://127.0.0.1:${apiPort}${LOCAL_ISSUER_PATH}`;
}

/** The token is missing, malformed, unsigned, expired, or from another issuer or audience. */
export class UnauthorizedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnauthorizedError';
  }
}

export interface LocalIssuerOptions {
  /** The `iss` of issued tokens and the only issuer accepted. */
  readonly issuer: string;
  /** The `aud` (user pool client id). @default LOCAL_USER_POOL_CLIENT_ID */
  readonly audience?: string;
  /** Where the key pair lives. @default '.local/auth' */
  readonly keyDir?: string;
}

export interface IssueTokenOptions {
  readonly customerId: string;
  /** @default `<customerId>@example.com` */
  readonly email?: string;
  /** @default 3600 */
  readonly expiresInSeconds?: number;
  /** Issue time; a past time gives an expired token (tests). @default now */
  readonly issuedAt?: Date;
}

export class LocalIssuer {
  readonly audience: string;

  private constructor(
    readonly issuer: string,
    audience: string,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {
    this.audience = audience;
  }

  /** Loads the key pair from `keyDir`, creating it on first use. */
  static async open(options: LocalIssuerOptions): Promise<LocalIssuer> {
    const keyDir = options.keyDir ?? join('.local', 'auth');
    const privateJwk = await loadOrCreateKey(keyDir);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
    const privateKey = (await importJWK(privateJwk, ALGORITHM)) as CryptoKey;
    const publicKey = (await importJWK(publicJwk, ALGORITHM)) as CryptoKey;
    return new LocalIssuer(
      options.issuer,
      options.audience ?? LOCAL_USER_POOL_CLIENT_ID,
      privateKey,
      publicKey,
      { ...publicJwk, alg: ALGORITHM, use: 'sig' },
    );
  }

  /** A Cognito-like ID token for the customer. */
  async issue(options: IssueTokenOptions): Promise<string> {
    const issuedAt = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
    return new SignJWT({
      'cognito:username': options.customerId,
      email: options.email ?? `${options.customerId}@example.com`,
      email_verified: true,
      token_use: 'id',
      auth_time: issuedAt,
    })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.publicJwk.kid, typ: 'JWT' })
      .setSubject(options.customerId)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + (options.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS))
      .sign(this.privateKey);
  }

  /** The token's claims; throws UnauthorizedError for any token this issuer did not sign or that expired. */
  async verify(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: [ALGORITHM],
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      return payload;
    } catch (error) {
      throw new UnauthorizedError('The token is not valid for this API', { cause: error });
    }
  }

  jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }
}

async function loadOrCreateKey(keyDir: string): Promise<JWK> {
  const path = join(keyDir, KEY_FILE);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true, modulusLength: 2048 });
  const jwk = { ...(await exportJWK(privateKey)), kid: `local-${Date.now().toString(36)}` };
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': when two processes create the key at once, the first one wins and both use it.
    writeFileSync(path, JSON.stringify(jwk), { flag: 'wx', mode: 0o600 });
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  }
}
