/**
 * The SASL/OAUTHBEARER token of MSK IAM access control, signed here with @smithy/signature-v4
 * instead of aws-msk-iam-sasl-signer-js: that library's default credential chain brings the STS,
 * SSO and Cognito clients into every bundle that publishes (about 130 KiB minified), while the
 * signer itself already is in every bundle through the SDK clients.
 *
 * The token is what the AWS signer libraries produce, the form MSK's non-Java IAM clients use
 * (https://docs.aws.amazon.com/msk/latest/developerguide/configure-clients-for-iam-access-control.html):
 * `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect`, presigned with SigV4
 * for the service `kafka-cluster` (only `host` signed, empty payload), valid at most 15 minutes,
 * a `User-Agent` parameter added after signing, the URL base64url-encoded without padding.
 * kafka-cluster:Connect is the action MSK authorises a connection by
 * (https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { MissingConfigurationError } from '../env';

/** Lifetime of a token; kafkajs asks for a new one on every (re)connection. */
export const MSK_IAM_TOKEN_TTL_SECONDS = 900;

/** Names the client in the token, outside the signature, as the AWS signer libraries do. */
export const MSK_IAM_TOKEN_USER_AGENT = 'order-pipeline-msk-iam';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/**
 * The function's own credentials: Lambda puts the execution role's keys in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the first source of the SDK's default chain
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 * An operator tool passes its SDK client's credentials instead.
 */
export function environmentCredentials(env: NodeJS.ProcessEnv = process.env): AwsCredentialsProvider {
  return async () => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new MissingConfigurationError(
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are needed to sign the MSK IAM token',
      );
    }
    return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  };
}

export interface MskIamToken {
  readonly token: string;
  /** Epoch milliseconds after which MSK refuses the token. */
  readonly expiresAt: number;
}

export interface MskIamTokenOptions {
  readonly region: string;
  readonly credentials: AwsCredentialsProvider;
  /** @default the current time */
  readonly signingDate?: Date;
}

export async function mskIamAuthToken(options: MskIamTokenOptions): Promise<MskIamToken> {
  const credentials = await options.credentials();
  const signingDate = options.signingDate ?? new Date();
  // A token must not outlive the credentials that signed it.
  const ttlSeconds = Math.floor(
    Math.min(
      MSK_IAM_TOKEN_TTL_SECONDS,
      credentials.expiration
        ? (credentials.expiration.getTime() - signingDate.getTime()) / 1000
        : MSK_IAM_TOKEN_TTL_SECONDS,
    ),
  );
  if (ttlSeconds <= 0) {
    throw new MissingConfigurationError(
      `The credentials expired at ${credentials.expiration?.toISOString()}; cannot sign the MSK IAM token`,
    );
  }
  const hostname = `kafka.${options.region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: 'kafka-cluster',
    region: options.region,
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      headers: { host: hostname },
      query: { Action: 'kafka-cluster:Connect' },
    },
    { expiresIn: ttlSeconds, signingDate },
  );
  const query = { ...signed.query, 'User-Agent': MSK_IAM_TOKEN_USER_AGENT } as Record<string, string>;
  const url = `https://${hostname}/?${Object.entries(query)
    .map(([key, value]) => `${uriEncode(key)}=${uriEncode(value)}`)
    .join('&')}`;
  return {
    // base64url has no padding in Node.
    token: Buffer.from(url, 'utf8').toString('base64url'),
    expiresAt: signingDate.getTime() + ttlSeconds * 1000,
  };
}

/** SigV4's URI encoding (RFC 3986 unreserved characters kept), so the URL decodes to what was signed. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape SignatureV4 takes (a secret means HMAC). */
class NodeSha256 {
  private hash: Hash | Hmac;

  public constructor(private readonly secret?: SourceData) {
    this.hash = NodeSha256.create(secret);
  }

  private static create(secret: SourceData | undefined): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  public update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }

  public async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  public reset(): void {
    this.hash = NodeSha256.create(this.secret);
  }
}
